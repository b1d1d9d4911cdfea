//! The one crypto backend: jsonwebtoken's aws-lc-rs provider, installed
//! explicitly.
//!
//! jsonwebtoken picks its provider from its cargo features, and finds none
//! when an application's dependency graph enables both of its backends
//! (`aws_lc_rs` here, `rust_crypto` through another crate): every
//! verification would then panic. Installing ours before first use makes
//! the choice independent of the features other crates enable. A provider
//! the application installed itself is kept.

use std::sync::Once;

/// Installs the aws-lc-rs provider unless one is installed already; cheap
/// after the first call.
pub(crate) fn install_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means a provider is installed already (the application's own,
        // or ours from another thread): that one stays.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}

#[cfg(test)]
mod tests;
