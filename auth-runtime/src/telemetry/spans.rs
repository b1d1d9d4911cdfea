//! Spans (feature `tracing`): one per authentication, per key-set fetch
//! and per introspection call, so that an operator on `tracing` (or
//! OpenTelemetry through it) sees where a request's time goes.
//!
//! | span | fields |
//! |---|---|
//! | `auth.authenticate` | `issuer` (the token's `iss`, on success), `outcome` (`ok` or the error code), `duration_ms` |
//! | `auth.jwks_fetch` | `issuer`, `outcome` (`ok`, `error`), `duration_ms` |
//! | `auth.introspection` | `endpoint` (no credentials, no query), `outcome` (`active`, `inactive`, `error`), `duration_ms` |
//!
//! A span dropped before its work ended (the request gone, the server
//! shutting down) records `outcome = "cancelled"`.
//!
//! A span never records a token, a proof, a secret nor a subject. Without
//! the feature, [`Traced`] is an empty value and its calls compile to
//! nothing.

use std::future::Future;

/// A span, or nothing without the `tracing` feature.
pub(crate) struct Traced {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    started: std::time::Instant,
    /// Whether [`finish`](Traced::finish) recorded the outcome; a span
    /// dropped before (its request gone, the server shutting down) records
    /// `cancelled`.
    #[cfg(feature = "tracing")]
    finished: bool,
}

#[cfg(feature = "tracing")]
impl Traced {
    fn new(span: tracing::Span) -> Traced {
        Traced {
            span,
            started: std::time::Instant::now(),
            finished: false,
        }
    }

    /// The span of one request's authentication.
    pub(crate) fn authentication() -> Traced {
        Traced::new(tracing::info_span!(
            target: "auth_runtime",
            "auth.authenticate",
            issuer = tracing::field::Empty,
            outcome = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        ))
    }

    /// The span of one fetch of `issuer`'s key set.
    pub(crate) fn key_set_fetch(issuer: &dyn std::fmt::Display) -> Traced {
        Traced::new(tracing::info_span!(
            target: "auth_runtime",
            "auth.jwks_fetch",
            issuer = %issuer,
            outcome = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        ))
    }

    /// The span of one call of the introspection endpoint, shown without
    /// credentials or query (`shown`, called only with the feature).
    pub(crate) fn introspection(shown: impl FnOnce() -> String) -> Traced {
        Traced::new(tracing::info_span!(
            target: "auth_runtime",
            "auth.introspection",
            endpoint = %shown(),
            outcome = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        ))
    }

    /// Records the issuer a token was accepted from (`issuer` is called
    /// only with the feature).
    pub(crate) fn issuer<'a>(&self, issuer: impl FnOnce() -> Option<&'a str>) {
        if let Some(issuer) = issuer() {
            self.span.record("issuer", issuer);
        }
    }

    /// Runs `work` inside the span.
    pub(crate) fn instrument<F: Future>(&self, work: F) -> tracing::instrument::Instrumented<F> {
        tracing::Instrument::instrument(work, self.span.clone())
    }

    /// Records the outcome and the time since the span began.
    pub(crate) fn finish(mut self, outcome: &str) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: &str) {
        self.finished = true;
        self.span.record("outcome", outcome);
        self.span
            .record("duration_ms", self.started.elapsed().as_secs_f64() * 1000.0);
    }
}

#[cfg(feature = "tracing")]
impl Drop for Traced {
    fn drop(&mut self) {
        if !self.finished {
            self.record("cancelled");
        }
    }
}

#[cfg(not(feature = "tracing"))]
impl Traced {
    #[inline(always)]
    pub(crate) fn authentication() -> Traced {
        Traced {}
    }

    #[inline(always)]
    pub(crate) fn key_set_fetch(_issuer: &dyn std::fmt::Display) -> Traced {
        Traced {}
    }

    #[inline(always)]
    pub(crate) fn introspection(_shown: impl FnOnce() -> String) -> Traced {
        Traced {}
    }

    #[inline(always)]
    pub(crate) fn issuer<'a>(&self, _issuer: impl FnOnce() -> Option<&'a str>) {}

    #[inline(always)]
    pub(crate) fn instrument<F: Future>(&self, work: F) -> F {
        work
    }

    #[inline(always)]
    pub(crate) fn finish(self, _outcome: &str) {}
}

// Its tests are validator/spans_tests.rs: they authenticate through the
// router, which this module must not import (no import circle).
