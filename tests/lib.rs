//! Test-only package: see `e2e.rs` and `ui.rs`.
