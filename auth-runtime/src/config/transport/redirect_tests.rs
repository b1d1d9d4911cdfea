use super::*;

fn urls(all: &[&str]) -> Vec<Url> {
    all.iter().map(|url| Url::parse(url).unwrap()).collect()
}

#[test]
fn redirects_never_downgrade_nor_leave_loopback_over_http() {
    let refusal = |previous: &[&str], next: &str| {
        redirect_refusal(&urls(previous), &Url::parse(next).unwrap())
    };
    assert_eq!(
        refusal(&["https://a.example/"], "https://b.example/k"),
        None
    );
    assert_eq!(refusal(&["http://127.0.0.1/"], "https://b.example/k"), None);
    assert_eq!(
        refusal(&["http://127.0.0.1/"], "http://localhost:9/k"),
        None
    );
    assert_eq!(
        refusal(&["https://a.example/"], "http://127.0.0.1/k"),
        Some("a redirect from https to http")
    );
    assert_eq!(
        refusal(
            &["http://127.0.0.1/", "https://a.example/"],
            "http://127.0.0.1/k"
        ),
        Some("a redirect from https to http")
    );
    for next in [
        "http://evil.example/k",
        "http://0.0.0.0:8080/k",
        "http://127.0.0.1.evil.example/k",
        "file:///etc/passwd",
    ] {
        assert!(
            refusal(&["http://127.0.0.1/"], next).is_some(),
            "{next} should be refused"
        );
    }
    let hops = ["https://a.example/"; 3];
    assert_eq!(refusal(&hops, "https://a.example/k"), None);
    let hops = ["https://a.example/"; 4];
    assert_eq!(
        refusal(&hops, "https://a.example/k"),
        Some("more than 3 redirects")
    );
}
