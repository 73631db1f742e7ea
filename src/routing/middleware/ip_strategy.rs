//! Which address a request is from, as Traefik's `ipStrategy` picks it (`pkg/ip/strategy.go`,
//! `IPStrategy.Get` in `pkg/config/dynamic/middlewares.go`), and lists of addresses and
//! networks (`pkg/ip/checker.go`). Shared by `ipAllowList` and `rateLimit`.
//!
//! Traefik's middlewares see the `X-Forwarded-For` a trusted proxy sent, before its own
//! proxy appends the client; from an untrusted client they see none, the entry point having
//! deleted it. hawser has already appended the client and keeps what any client sent, so the
//! chain is read as Traefik would see it: nothing unless the client is a trusted proxy, and
//! without the address hawser appended.

use std::net::IpAddr;

use http::request::Parts;
use ipnet::{IpNet, Ipv6Net};

use super::RequestContext;
use crate::routing::options::{OptionError, Options};

/// How the client's address is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpStrategy {
    /// The address of the TCP connection.
    RemoteAddr { ipv6_subnet: Option<u8> },
    /// The `depth`-th address of `X-Forwarded-For` from the right.
    Depth {
        depth: usize,
        ipv6_subnet: Option<u8>,
    },
    /// The rightmost address of `X-Forwarded-For` not in the list.
    Excluded(IpRanges),
}

impl Default for IpStrategy {
    fn default() -> Self {
        IpStrategy::RemoteAddr { ipv6_subnet: None }
    }
}

impl IpStrategy {
    /// Reads `depth`, `excludedIPs` and `ipv6Subnet`; depth wins over the list, as in Traefik.
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let depth: i64 = options.number("depth")?.unwrap_or(0);
        if depth < 0 {
            return Err(options.error("depth", format!("{depth} is negative")));
        }
        let excluded = options.list("excludedips").unwrap_or_default();
        let subnet: Option<i64> = options.number("ipv6subnet")?;
        let ipv6_subnet = || {
            match subnet {
            None => Ok(None),
            Some(bits @ 1..=128) => Ok(u8::try_from(bits).ok()),
            Some(bits) => Err(options.error(
                "ipv6subnet",
                format!("invalid IPv6 subnet {bits} value, should be greater to 0 and lower or equal to 128"),
            )),
        }
        };
        if depth > 0 {
            return Ok(IpStrategy::Depth {
                depth: usize::try_from(depth).unwrap_or(usize::MAX),
                ipv6_subnet: ipv6_subnet()?,
            });
        }
        if !excluded.is_empty() {
            return Ok(IpStrategy::Excluded(IpRanges::parse(
                options,
                "excludedips",
                &excluded,
            )?));
        }
        Ok(IpStrategy::RemoteAddr {
            ipv6_subnet: ipv6_subnet()?,
        })
    }

    /// The client's address as text (what Traefik compares and keys buckets by); empty when
    /// the strategy finds none.
    pub fn client_ip(&self, request: &Parts, context: &RequestContext) -> String {
        match self {
            IpStrategy::RemoteAddr { ipv6_subnet } => {
                in_subnet(&context.client_ip.to_string(), *ipv6_subnet)
            }
            IpStrategy::Depth { depth, ipv6_subnet } => {
                let chain = forwarded_chain(request, context);
                match chain.len().checked_sub(*depth) {
                    Some(index) => in_subnet(chain[index].trim(), *ipv6_subnet),
                    None => String::new(),
                }
            }
            IpStrategy::Excluded(excluded) => forwarded_chain(request, context)
                .iter()
                .rev()
                .map(|item| item.trim())
                .find(|item| !item.is_empty() && !excluded.contains(item).unwrap_or(false))
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// `X-Forwarded-For` split on commas, as Traefik's middlewares would see it.
fn forwarded_chain<'r>(request: &'r Parts, context: &RequestContext) -> Vec<&'r str> {
    let header = match context.trusted_proxy {
        true => request
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok()),
        false => None,
    };
    let mut chain: Vec<&str> = header.unwrap_or("").split(',').collect();
    let appended = chain
        .last()
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    if appended == Some(context.client_ip) {
        chain.pop();
    }
    if chain.is_empty() {
        chain.push("");
    }
    chain
}

/// An IPv6 address reduced to its first `bits` bits; anything else as it is.
fn in_subnet(ip: &str, bits: Option<u8>) -> String {
    match (bits, ip.parse::<IpAddr>()) {
        (Some(bits), Ok(IpAddr::V6(v6))) => match Ipv6Net::new(v6, bits) {
            Ok(net) => net.trunc().addr().to_string(),
            Err(_) => ip.to_owned(),
        },
        _ => ip.to_owned(),
    }
}

/// Addresses and networks, as Traefik's `ip.Checker` holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpRanges {
    ips: Vec<IpAddr>,
    nets: Vec<IpNet>,
}

impl IpRanges {
    /// Each item an address or a CIDR network; a bad one is an error naming the label.
    pub fn parse(options: &Options<'_>, key: &str, items: &[&str]) -> Result<Self, OptionError> {
        let mut ranges = IpRanges::default();
        for item in items {
            if let Ok(ip) = item.parse::<IpAddr>() {
                ranges.ips.push(ip.to_canonical());
            } else if let Ok(net) = item.parse::<IpNet>() {
                ranges.nets.push(net);
            } else {
                return Err(options.error(
                    key,
                    format!("{item:?} is not an IP address or a CIDR network"),
                ));
            }
        }
        Ok(ranges)
    }

    /// Whether `address` (an IP, `ip:port`, or `[ipv6]:port`) is in the list; `None` when it
    /// is not an address at all.
    pub fn contains(&self, address: &str) -> Option<bool> {
        let host = match address.parse::<std::net::SocketAddr>() {
            Ok(socket) => socket.ip(),
            Err(_) => {
                let without_zone = address.split('%').next().unwrap_or(address);
                without_zone.parse::<IpAddr>().ok()?
            }
        };
        Some(self.contains_ip(host))
    }

    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.ips.contains(&ip) || self.nets.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
#[path = "ip_strategy_tests.rs"]
mod tests;
