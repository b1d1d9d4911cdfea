//! The time the core reads: [`Clock`].
//!
//! Every time-dependent rule of the core (the key set's TTL, staleness cap,
//! cooldowns and back-off, the verified-token cache, a token's `exp`, `nbf`
//! and `iat`, the maximum token age, the introspection cache, DPoP's `iat`
//! window, replay retention and nonces) reads the clock of its
//! configuration ([`AuthConfigBuilder::clock`](crate::config::AuthConfigBuilder::clock)).
//! Waits (a fetch's timeout, the pause between background retries) stay on
//! tokio's time.
//!
//! In production the clock is [`Clock::system`], the default: the system's
//! monotonic and wall clocks, read directly. Tests drive time with a
//! `ManualClock` (feature `testing`), so that a boundary is met exactly and
//! no test sleeps to let a window pass.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Where the core reads the time: monotonic time ([`now`](Self::now)) for
/// caches and windows, wall-clock seconds ([`unix`](Self::unix)) for the
/// claims of tokens.
///
/// Cheap to clone. The default is [`Clock::system`].
///
/// ```
/// use auth_runtime::clock::Clock;
///
/// let clock = Clock::default();
/// assert!(clock.unix() > 1_700_000_000);
/// let earlier = clock.now();
/// assert!(clock.now() >= earlier);
/// ```
#[derive(Clone, Default)]
pub struct Clock(Source);

/// What a [`Clock`] reads. Private, so that kinds of clocks can be added.
#[derive(Clone, Default)]
enum Source {
    /// The system's clocks.
    #[default]
    System,
    /// A clock that moves only when told to (tests).
    #[cfg(any(test, feature = "testing"))]
    Manual(std::sync::Arc<manual::Shared>),
}

impl Clock {
    /// The system's clocks: [`Instant::now`] and [`SystemTime::now`], read
    /// at each call, with nothing in between.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// The monotonic time now: for cache ages, cooldowns and windows.
    #[inline]
    pub fn now(&self) -> Instant {
        match &self.0 {
            Source::System => Instant::now(),
            #[cfg(any(test, feature = "testing"))]
            Source::Manual(shared) => shared.now(),
        }
    }

    /// The wall-clock time now, in whole seconds since the Unix epoch (as
    /// `exp`, `nbf` and `iat` are written).
    ///
    /// A system clock set before the epoch has no such reading: validation
    /// then refuses every token outright (`invalid_claims`, with an error
    /// in the log), whatever its claims. Read here, it is the end of time
    /// (`u64::MAX`), so that a rule reading it still fails closed (every
    /// token expired, every proof too old) rather than nothing ever
    /// expiring.
    #[inline]
    pub fn unix(&self) -> u64 {
        self.unix_checked().unwrap_or(u64::MAX)
    }

    /// The wall-clock time now in whole seconds since the Unix epoch, or
    /// `None` when the clock reads before the epoch (logged at `error` the
    /// first time, at `debug` after): the reading that validation takes.
    #[inline]
    pub(crate) fn unix_checked(&self) -> Option<u64> {
        let unix = match &self.0 {
            Source::System => unix_seconds(SystemTime::now()),
            #[cfg(any(test, feature = "testing"))]
            Source::Manual(shared) => shared.unix_checked(),
        };
        if unix.is_none() {
            before_epoch_logged();
        }
        unix
    }
}

/// Whole seconds since the Unix epoch at `time`; `None` before it.
fn unix_seconds(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH)
        .ok()
        .map(|since| since.as_secs())
}

/// Logs that the clock reads before the epoch: once at `error`, then at
/// `debug` (every request would say it again).
#[cold]
fn before_epoch_logged() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        log::debug!("auth: the clock reads before the Unix epoch; token refused");
    } else {
        log::error!(
            "auth: the system clock reads before the Unix epoch (1970-01-01): no token's exp, \
             nbf or iat can be checked, so every token is refused until the clock is set"
        );
    }
}

/// Whether two clocks read the same time: both the system's, or clocks of
/// one [`ManualClock`].
pub(crate) fn same(a: &Clock, b: &Clock) -> bool {
    match (&a.0, &b.0) {
        (Source::System, Source::System) => true,
        #[cfg(any(test, feature = "testing"))]
        (Source::Manual(a), Source::Manual(b)) => std::sync::Arc::ptr_eq(a, b),
        #[cfg(any(test, feature = "testing"))]
        _ => false,
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            #[cfg(any(test, feature = "testing"))]
            Source::Manual(shared) => write!(f, "Clock::manual(unix {})", shared.unix()),
        }
    }
}

#[cfg(test)]
pub(crate) use manual::ManualClock;

#[cfg(any(test, feature = "testing"))]
pub(crate) mod manual {
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use super::{Clock, Source};

    /// A clock for tests: it stands still until told to move.
    ///
    /// It starts at the real time: its monotonic time at the real
    /// [`Instant::now`], its wall-clock time at the real Unix time in whole
    /// seconds, so that a token minted with real timestamps is as valid at
    /// its start as it is now. [`advance`](Self::advance) moves both
    /// together. Its [`clock`](Self::clock)s (given to a configuration with
    /// [`AuthConfigBuilder::clock`](crate::config::AuthConfigBuilder::clock))
    /// all read this one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth_runtime::testing::ManualClock;
    ///
    /// let manual = ManualClock::new();
    /// let clock = manual.clock();
    /// let (then, unix) = (clock.now(), clock.unix());
    /// manual.advance(Duration::from_secs(61));
    /// assert_eq!(clock.now() - then, Duration::from_secs(61));
    /// assert_eq!(clock.unix(), unix + 61);
    /// ```
    #[derive(Clone, Debug)]
    pub struct ManualClock {
        shared: Arc<Shared>,
    }

    /// The state every clone and every [`Clock`] of a [`ManualClock`]
    /// reads.
    #[derive(Debug)]
    pub(super) struct Shared {
        started: Instant,
        moved: Mutex<Moved>,
    }

    /// How far a manual clock was moved.
    #[derive(Debug, Clone, Copy)]
    struct Moved {
        /// Monotonic time since `started`.
        elapsed: Duration,
        /// Wall-clock time since the Unix epoch.
        wall: Duration,
        /// Whether the wall clock reads before the epoch (`wall` unused).
        before_epoch: bool,
    }

    impl Shared {
        fn lock(&self) -> MutexGuard<'_, Moved> {
            self.moved.lock().unwrap_or_else(PoisonError::into_inner)
        }

        fn moved(&self) -> Moved {
            *self.lock()
        }

        pub(super) fn now(&self) -> Instant {
            self.started + self.moved().elapsed
        }

        pub(super) fn unix(&self) -> u64 {
            self.unix_checked().unwrap_or(u64::MAX)
        }

        pub(super) fn unix_checked(&self) -> Option<u64> {
            let moved = self.moved();
            (!moved.before_epoch).then_some(moved.wall.as_secs())
        }
    }

    impl Default for ManualClock {
        fn default() -> ManualClock {
            ManualClock::new()
        }
    }

    impl ManualClock {
        /// A clock standing at the real time now (the wall clock at the
        /// start of the current second).
        pub fn new() -> ManualClock {
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            ManualClock {
                shared: Arc::new(Shared {
                    started: Instant::now(),
                    moved: Mutex::new(Moved {
                        elapsed: Duration::ZERO,
                        wall: Duration::from_secs(wall),
                        before_epoch: false,
                    }),
                }),
            }
        }

        /// A [`Clock`] that reads this one, for
        /// [`AuthConfigBuilder::clock`](crate::config::AuthConfigBuilder::clock).
        pub fn clock(&self) -> Clock {
            Clock(Source::Manual(self.shared.clone()))
        }

        /// Moves monotonic and wall-clock time forward by `by`, together.
        pub fn advance(&self, by: Duration) {
            let mut moved = self.shared.lock();
            moved.elapsed += by;
            moved.wall += by;
        }

        /// Sets the wall-clock time to `secs` seconds since the Unix epoch
        /// (forward or back); monotonic time does not move.
        pub fn set_unix(&self, secs: u64) {
            let mut moved = self.shared.lock();
            moved.wall = Duration::from_secs(secs);
            moved.before_epoch = false;
        }

        /// Sets the wall-clock time before the Unix epoch, as a misset
        /// system clock can read: validation then refuses every token (see
        /// [`Clock::unix`]), and [`unix`](Self::unix) reads `u64::MAX`.
        /// [`advance`](Self::advance) moves only monotonic time until
        /// [`set_unix`](Self::set_unix) sets the wall clock again.
        pub fn set_before_epoch(&self) {
            self.shared.lock().before_epoch = true;
        }

        /// The monotonic time it stands at (as its clocks read it).
        pub fn now(&self) -> Instant {
            self.shared.now()
        }

        /// The wall-clock time it stands at, in whole seconds since the
        /// Unix epoch (as its clocks read it).
        pub fn unix(&self) -> u64 {
            self.shared.unix()
        }
    }
}

#[cfg(test)]
mod tests;
