use std::time::Duration;

use super::*;

#[test]
fn the_system_clock_reads_the_system_time() {
    let clock = Clock::system();
    let before = Instant::now();
    let now = clock.now();
    assert!(now >= before && now <= Instant::now());
    let real = jsonwebtoken::get_current_timestamp();
    assert!(clock.unix().abs_diff(real) <= 1);
    assert_eq!(format!("{:?}", Clock::default()), "Clock::system");
}

#[test]
fn a_system_clock_before_the_epoch_has_no_unix_time() {
    let before = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(super::unix_seconds(before), None);
    assert_eq!(super::unix_seconds(UNIX_EPOCH), Some(0));
    assert_eq!(
        super::unix_seconds(UNIX_EPOCH + Duration::from_secs(7)),
        Some(7)
    );
}

#[test]
fn a_manual_clock_before_the_epoch_reads_none_checked_and_the_end_of_time_unchecked() {
    let manual = ManualClock::new();
    let clock = manual.clock();
    manual.set_before_epoch();
    assert_eq!(clock.unix_checked(), None);
    assert_eq!(clock.unix(), u64::MAX);
    manual.advance(Duration::from_secs(5));
    assert_eq!(clock.unix_checked(), None, "advance keeps it before");
    manual.set_unix(42);
    assert_eq!(clock.unix_checked(), Some(42));
}

#[test]
fn clocks_are_the_same_when_they_read_one_time() {
    let (one, other) = (ManualClock::new(), ManualClock::new());
    assert!(super::same(&Clock::system(), &Clock::default()));
    assert!(super::same(&one.clock(), &one.clone().clock()));
    assert!(!super::same(&one.clock(), &other.clock()));
    assert!(!super::same(&one.clock(), &Clock::system()));
    assert!(!super::same(&Clock::system(), &one.clock()));
}

#[test]
fn a_manual_clock_starts_at_the_real_time_and_moves_only_when_told() {
    let manual = ManualClock::new();
    let clock = manual.clock();
    assert!(clock.unix().abs_diff(jsonwebtoken::get_current_timestamp()) <= 1);
    let (then, unix) = (clock.now(), clock.unix());
    assert_eq!((clock.now(), clock.unix()), (then, unix), "stands still");
    manual.advance(Duration::from_millis(1500));
    assert_eq!(clock.now() - then, Duration::from_millis(1500));
    assert_eq!(clock.unix(), unix + 1, "whole seconds");
    manual.advance(Duration::from_millis(500));
    assert_eq!(clock.unix(), unix + 2);
    let other = manual.clone().clock();
    manual.set_unix(1_000);
    assert_eq!((other.unix(), manual.unix()), (1_000, 1_000));
    assert_eq!(other.now(), manual.now(), "monotonic time did not move");
    assert_eq!(format!("{other:?}"), "Clock::manual(unix 1000)");
}
