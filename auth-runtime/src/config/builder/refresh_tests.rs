use crate::config::{assert_out_of_range, base};
use std::time::Duration;

#[test]
fn refresh_settings_out_of_range_are_refused_naming_the_setting() {
    assert_out_of_range([
        (base().refresh_ahead(0.0), "refresh_ahead"),
        (base().refresh_ahead(1.01), "refresh_ahead"),
        (base().refresh_ahead(f64::NAN), "refresh_ahead"),
        (base().max_stale(Duration::from_secs(599)), "max_stale"),
    ]);
    let edge = base()
        .refresh_ahead(1.0)
        .max_stale(Duration::from_secs(600));
    assert!(
        edge.build().is_ok(),
        "a fraction of 1, max_stale = jwks_ttl"
    );
    let config = base().warm_up(true).build().unwrap();
    assert!(config.tuning.warm_up);
    assert_eq!(config.tuning.max_stale, super::defaults::max_stale());
}
