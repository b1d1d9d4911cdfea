use super::*;

fn network_ok(url: &str) -> bool {
    check_network_url(&Url::parse(url).unwrap()).is_ok()
}

#[test]
fn http_is_accepted_on_loopback_hosts_only() {
    for url in [
        "https://example.eu.auth0.com/",
        "https://10.0.0.1/",
        "http://127.0.0.1/",
        "http://127.0.0.1:8081/jwks.json",
        "http://127.5.6.7/",
        "http://127.1/",
        "http://localhost:3000/",
        "http://LOCALHOST/",
        "http://[::1]/",
        "http://[::1]:8080/x",
    ] {
        assert!(network_ok(url), "{url} should be accepted");
    }
    for url in [
        "http://example.com/",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://localhost./",
        "http://127.0.0.1@evil.example/",
        "http://localhost:80@evil.example/",
        "http://evil.example/?x=http://127.0.0.1/",
        "http://evil.example/#@127.0.0.1",
        "http://0.0.0.0/",
        "http://10.0.0.1/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "ftp://127.0.0.1/",
        "file:///etc/jwks.json",
        "ws://localhost/",
    ] {
        assert!(!network_ok(url), "{url} should be refused");
    }
}

#[test]
fn a_key_set_url_may_be_a_file_but_an_issuer_may_not() {
    assert!(matches!(
        key_location("file:///etc/auth/jwks.json"),
        Ok(KeyLocation::File(path)) if path == std::path::Path::new("/etc/auth/jwks.json")
    ));
    assert!(matches!(
        key_location("http://127.0.0.1:9/keys"),
        Ok(KeyLocation::Net(_))
    ));
    for refused in [
        "file://relative/jwks.json",
        "http://keys.example/jwks.json",
        "jwks.json",
        "/etc/jwks.json",
        "",
    ] {
        assert!(key_location(refused).is_err(), "{refused}");
    }
    assert!(issuer_url("file:///etc/issuer").is_err());
    assert!(issuer_url("http://issuer.example/").is_err());
    assert!(issuer_url("http://127.0.0.1:8081/").is_ok());
}

#[test]
fn http_urls_are_refused_unless_their_host_is_loopback() {
    let err = AuthConfig::builder("http://issuer.example/", "a")
        .build()
        .unwrap_err();
    assert!(matches!(
        &err,
        ConfigError::InvalidUrl { setting, .. } if setting.contains("AUTH_ISSUER")
    ));
    assert!(err.to_string().contains("https"), "{err}");
    for uri in [
        "http://keys.example/jwks.json",
        "http://127.0.0.1.evil.example/jwks.json",
        "http://127.0.0.1@evil.example/jwks.json",
        "ftp://127.0.0.1/jwks.json",
    ] {
        let err = AuthConfig::builder("https://i.example/", "a")
            .jwks_uri(uri)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, ConfigError::InvalidUrl { setting, .. } if setting.contains("AUTH_JWKS_URI")),
            "{uri}: {err:?}"
        );
        assert!(err.to_string().contains("jwks_uri"), "{err}");
    }
    for (issuer, uri) in [
        ("http://127.0.0.1:8081/", "http://[::1]:9/jwks.json"),
        ("http://localhost/", "https://keys.example/jwks.json"),
        ("https://i.example/", "file:///etc/auth/jwks.json"),
    ] {
        AuthConfig::builder(issuer, "a")
            .jwks_uri(uri)
            .build()
            .unwrap_or_else(|e| panic!("{issuer} {uri}: {e}"));
    }
}

#[test]
fn urls_in_errors_never_show_their_userinfo() {
    for (url, shown) in [
        (
            "https://user:pw@h.example/path?q#f",
            "https://<redacted>@h.example/path?<redacted>",
        ),
        (
            "redis://:hunter2@127.0.0.1:6379",
            "redis://<redacted>@127.0.0.1:6379",
        ),
        ("user:pw@h.example/x", "<redacted>@h.example/x"),
        ("https://a@b@h.example", "https://<redacted>@h.example"),
        // An @ after the authority is not userinfo.
        ("https://h.example/a@b", "https://h.example/a@b"),
        ("https://h.example", "https://h.example"),
        // A query (a signature, a key) is not shown either.
        (
            "http://idp.example/jwks?sig=SECRET",
            "http://idp.example/jwks?<redacted>",
        ),
        ("https://h.example#frag", "https://h.example?<redacted>"),
        ("", ""),
    ] {
        assert_eq!(without_userinfo(url), shown, "{url}");
    }
}
