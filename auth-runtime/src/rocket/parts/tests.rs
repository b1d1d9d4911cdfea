use super::has_dot_segment;

#[test]
fn dot_segments_are_found_raw_and_encoded() {
    for path in [
        "/a/../admin",
        "/a/%2e%2e/admin",
        "/a/%2E./x",
        "/./x",
        "/x/.",
        "/x/..",
    ] {
        assert!(has_dot_segment(path), "{path}");
    }
    for path in ["/api/private", "/a.b/c", "/..a/b", "/x/...", "/"] {
        assert!(!has_dot_segment(path), "{path}");
    }
}
