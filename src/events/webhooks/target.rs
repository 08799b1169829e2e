//! Where a callback may send: http(s) URLs whose host resolves to public addresses only. A
//! callback aimed at the service's own network (loopback, private, link-local…) would let any
//! user make the service call what only it can reach; checked at registration and again at
//! each delivery (a name's addresses may change), unless `webhooks.allow_private_targets`.

use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Longest wait for a name's addresses.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a callback URL is refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the callback URL is not a valid URL: {0}")]
    Malformed(String),
    #[error("the callback URL must be http or https, not {0}")]
    Scheme(String),
    #[error("https callbacks need a build with the `https` feature")]
    NoTls,
    #[error("the callback host {0} cannot be resolved")]
    Unresolved(String),
    #[error(
        "the callback host {host} resolves to {address}, a loopback, private, link-local or multicast address"
    )]
    Private { host: String, address: IpAddr },
}

/// Parses `url` and checks its scheme and, unless `allow_private`, its host's addresses.
pub async fn check_target(url: &str, allow_private: bool) -> Result<Url, TargetError> {
    let parsed = Url::parse(url.trim()).map_err(|e| TargetError::Malformed(e.to_string()))?;
    match parsed.scheme() {
        "http" => {}
        "https" if cfg!(feature = "https") => {}
        "https" => return Err(TargetError::NoTls),
        other => return Err(TargetError::Scheme(other.to_owned())),
    }
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(TargetError::Malformed("no host".into()));
    };
    if !allow_private {
        let port = parsed.port_or_known_default().unwrap_or(80);
        let addresses = resolve(host, port).await?;
        refuse_private(host, &addresses)?;
    }
    Ok(parsed)
}

/// The addresses of `host` (an IP literal stands for itself).
pub async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, TargetError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let unresolved = || TargetError::Unresolved(host.to_owned());
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((bare, port)))
        .await
        .map_err(|_| unresolved())?
        .map_err(|_| unresolved())?;
    let addresses: Vec<SocketAddr> = found.collect();
    if addresses.is_empty() {
        return Err(unresolved());
    }
    Ok(addresses)
}

/// Fails when any of `addresses` is one a callback may not reach.
pub fn refuse_private(host: &str, addresses: &[SocketAddr]) -> Result<(), TargetError> {
    match addresses.iter().find(|a| is_private(a.ip())) {
        Some(address) => Err(TargetError::Private {
            host: host.to_owned(),
            address: address.ip(),
        }),
        None => Ok(()),
    }
}

/// Loopback, private (RFC 1918, fc00::/7), link-local, unspecified ("this network"),
/// multicast or broadcast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.octets()[0] == 0
        || ip.is_multicast()
        || ip.is_broadcast()
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7: unique local; fe80::/10: link-local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // An IPv4 address written as IPv6 reaches that IPv4 address.
        || ip.to_ipv4_mapped().is_some_and(is_private_v4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(text: &str) -> bool {
        is_private(text.parse().unwrap_or_else(|_| unreachable!()))
    }

    #[test]
    fn private_addresses_are_told_apart() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(private(ip), "{ip} is private");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(!private(ip), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn urls_are_checked() {
        assert!(matches!(
            check_target("ftp://example.org/", true).await,
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            check_target("not a url", true).await,
            Err(TargetError::Malformed(_))
        ));
        assert!(matches!(
            check_target("http://127.0.0.1:9/hook", false).await,
            Err(TargetError::Private { .. })
        ));
        assert!(matches!(
            check_target("http://[::1]:9/hook", false).await,
            Err(TargetError::Private { .. })
        ));
        assert!(check_target("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_target("http://8.8.8.8/hook", false).await.is_ok());
    }
}
