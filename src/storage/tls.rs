//! TLS of http storages. It is compiled only with the `https` feature: reqwest's default
//! TLS provider (aws-lc-rs) is slow to build, so https uses rustls with the ring provider.

/// Readies https for a storage rooted at `root`: with the `https` feature, installs the ring
/// provider as the process default (reqwest looks it up when a client is built).
#[cfg(feature = "https")]
pub(super) fn prepare(_name: &str, _root: &str) -> anyhow::Result<()> {
    // An error only means a provider is already installed, which serves as well.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(())
}

/// Refuses an https root in a build without TLS, rather than failing every download.
#[cfg(not(feature = "https"))]
pub(super) fn prepare(name: &str, root: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !root.starts_with("https://"),
        "storage '{name}': https roots need a build with the `https` feature ({root})"
    );
    Ok(())
}
