//! The client's address behind trusted proxies, for per-address limits and
//! logs: the TCP peer, unless the peer is one of the operator's proxies
//! (`TRUSTED_PROXIES`, addresses or CIDR ranges, comma-separated; none by
//! default), in which case `X-Forwarded-For` is read from the right, past
//! every trusted hop, to the first hop no trusted proxy vouches for.
//!
//! Reading from the right is what makes it safe: a client can write
//! anything at the left of `X-Forwarded-For`, but each trusted proxy appends
//! the address it saw, so the rightmost untrusted hop is the last one a
//! trusted proxy observed. A hop that is not an address ends the walk at the
//! proxy that forwarded it. `axum-client-ip` offers the rightmost hop only
//! (right for exactly one proxy); a list is needed behind a load balancer
//! and an ingress controller both, so this is the list version (on `ipnet`,
//! already in the tree through reqwest).

use std::net::IpAddr;

use anyhow::Context as _;
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    /// The older `…_TRUST_FORWARDED_FOR=true`: whatever the peer is, it is
    /// one proxy, and the hop it appended (the rightmost) is the client.
    any_peer: bool,
}

impl TrustedProxies {
    /// Trusts no proxy: the peer is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses `10.0.0.0/8, 192.168.1.7, ::1`: addresses or CIDR ranges,
    /// comma-separated; blank entries ignored.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .with_context(|| format!("{entry:?} is not an address or a CIDR range"))
            })
            .collect::<anyhow::Result<_>>()
            .map(|nets| Self {
                nets,
                any_peer: false,
            })
    }

    /// `TRUSTED_PROXIES` (or `legacy`, an older setting's meaning, when it is
    /// unset).
    pub fn from_env(legacy: Option<Self>) -> anyhow::Result<Self> {
        match std::env::var("TRUSTED_PROXIES") {
            Ok(list) => Self::parse(&list).context("TRUSTED_PROXIES"),
            Err(_) => Ok(legacy.unwrap_or_default()),
        }
    }

    /// Trusts every peer as one proxy (the old `…_TRUST_FORWARDED_FOR=true`
    /// settings): the client is the rightmost `X-Forwarded-For` hop, the one
    /// the peer appended, never one further left that a client could write.
    pub fn any() -> Self {
        Self {
            nets: Vec::new(),
            any_peer: true,
        }
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.any_peer || self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` carrying `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.contains(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            // One proxy of unknown address: its own hop is the client.
            if self.any_peer || !self.contains(client) {
                break;
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`) as the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("ascii"),
            );
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("list");
        let headers = forwarded(&["1.2.3.4"]);
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::none().client_ip(ip("10.0.0.2"), &headers),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn behind_two_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").expect("list");
        // The client spoofs a hop at the left; the load balancer (10.1.1.1)
        // and the ingress (192.168.1.7, the peer) append what they saw.
        let headers = forwarded(&["6.6.6.6, 198.51.100.20", "10.1.1.1"]);
        assert_eq!(
            proxies.client_ip(ip("192.168.1.7"), &headers),
            ip("198.51.100.20")
        );
    }

    #[test]
    fn a_hop_that_is_not_an_address_ends_the_walk_at_the_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("list");
        let headers = forwarded(&["1.2.3.4, unknown, 10.0.0.3"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.2"), &headers), ip("10.0.0.3"));
        let none = HeaderMap::new();
        assert_eq!(proxies.client_ip(ip("10.0.0.2"), &none), ip("10.0.0.2"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let proxies = TrustedProxies::parse("127.0.0.1").expect("list");
        let headers = forwarded(&["203.0.113.5"]);
        assert_eq!(
            proxies.client_ip(ip("::ffff:127.0.0.1"), &headers),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn trusting_any_peer_takes_the_hop_it_appended_not_the_clients_own() {
        let headers = forwarded(&["6.6.6.6, 198.51.100.20"]);
        assert_eq!(
            TrustedProxies::any().client_ip(ip("10.9.8.7"), &headers),
            ip("198.51.100.20")
        );
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_text() {
        let error = TrustedProxies::parse("10.0.0.0/8, proxy.local").expect_err("refused");
        assert!(format!("{error:#}").contains("proxy.local"), "{error:#}");
    }
}
