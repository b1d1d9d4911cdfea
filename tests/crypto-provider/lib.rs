//! Test-only package: see `both_backends.rs`.
