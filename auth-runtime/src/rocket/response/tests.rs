use super::*;

#[test]
fn unavailable_is_a_503() {
    assert_eq!(
        status(&AuthError::JwksUnavailable),
        Status::ServiceUnavailable
    );
    assert_eq!(
        status(&AuthError::ReplayStoreUnavailable),
        Status::ServiceUnavailable
    );
}

#[test]
fn retry_after_rounds_the_interval_up() {
    assert_eq!(whole_seconds(Duration::ZERO), 0);
    assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
    assert_eq!(whole_seconds(Duration::from_secs(7)), 7);
    let config = |secs| {
        AuthConfig::builder("https://i/", "a")
            .retry_interval(Duration::from_secs(secs))
            .build()
            .unwrap()
    };
    let rendering = Rendering::new(&[config(3), config(9)], Arc::new(Auth0Json));
    assert_eq!(rendering.retry_after, 9);
}
