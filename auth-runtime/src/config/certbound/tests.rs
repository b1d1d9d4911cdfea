use super::*;

#[test]
fn the_header_must_be_a_header_name() {
    let build = |name: &str| {
        AuthConfig::builder("https://issuer.example/", "https://api")
            .client_cert_header(name)
            .build()
    };
    for good in [
        "Client-Cert",
        "X-SSL-Client-Cert",
        "x_cert",
        "!#$%&'*+-.^_`|~",
    ] {
        assert_eq!(build(good).unwrap().client_cert_header(), Some(good));
    }
    for bad in [
        "",
        " ",
        "Client Cert",
        "Client-Cert:",
        "Cli\u{e9}nt",
        "a\tb",
        "(x)",
    ] {
        let error = build(bad).unwrap_err();
        assert!(
            error.to_string().contains("AUTH_CLIENT_CERT_HEADER"),
            "{bad:?}: {error}"
        );
    }
}

fn with(var: &dyn Fn(&str) -> Option<String>) -> AuthConfig {
    AuthConfig::builder("https://issuer.example/", "https://api")
        .settings_from(&|name| Ok(var(name)))
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn auth_client_cert_header_names_the_header_and_none_is_the_default() {
    let set = |name: &str| (name == "AUTH_CLIENT_CERT_HEADER").then(|| " Client-Cert ".to_owned());
    assert_eq!(with(&set).client_cert_header(), Some("Client-Cert"));
    assert_eq!(with(&|_| None).client_cert_header(), None);
    // Set but empty is refused, naming the variable (fail closed).
    let empty = |name: &str| Ok((name == "AUTH_CLIENT_CERT_HEADER").then(String::new));
    let err = AuthConfig::builder("https://issuer.example/", "https://api")
        .settings_from(&empty)
        .unwrap_err();
    assert!(err.to_string().contains("AUTH_CLIENT_CERT_HEADER"), "{err}");
}
