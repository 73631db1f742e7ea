//! Argument values both syntaxes read the same way: hosts, client IPs, methods, header names
//! and Go regexes.

use std::net::{IpAddr, Ipv6Addr};

use http::{HeaderName, Method};
use ipnet::{IpNet, Ipv4Net};
use regex::Regex;

use super::Site;
use super::expr::Arg;
use crate::routing::error::{MatcherProblem, RuleError};
use crate::routing::goregex;
use crate::routing::rule::{Expr, Matcher};

/// Traefik refuses non-ASCII hosts (`muxer.IsASCII`): they must be written in punycode.
pub(super) fn ascii_host<'a>(site: &Site<'_>, arg: &'a Arg) -> Result<&'a str, RuleError> {
    if arg.value.is_ascii() {
        Ok(&arg.value)
    } else {
        Err(site.fail_arg(arg, MatcherProblem::NonAsciiHost(arg.value.clone())))
    }
}

/// A literal `Host`: lowercase, and in the canonical form request hosts are compared in.
/// Traefik accepts `example.com.` for `example.com` (and the other way round), so one
/// trailing dot goes; an IPv6 address gets the brackets hawser's canonical host keeps. A
/// host with a port stays as written and so never matches, as in Traefik.
pub(super) fn literal_host(host: &str) -> Matcher {
    let lower = host.to_ascii_lowercase();
    let trimmed = match lower.strip_suffix('.') {
        Some(trimmed) if !trimmed.is_empty() => trimmed.to_owned(),
        _ => lower,
    };
    match trimmed.parse::<Ipv6Addr>() {
        Ok(_) => Matcher::Host(format!("[{trimmed}]")),
        Err(_) => Matcher::Host(trimmed),
    }
}

/// `ip.NewChecker`: a plain IP or a CIDR range (host bits allowed: `10.0.0.5/8` is
/// `10.0.0.0/8`). IPv4-mapped IPv6 addresses and ranges count as IPv4, as Go compares them.
pub(super) fn client_ip(site: &Site<'_>, arg: &Arg) -> Result<Matcher, RuleError> {
    let network = match arg.value.parse::<IpAddr>() {
        Ok(address) => IpNet::from(address.to_canonical()),
        Err(_) => {
            let network: IpNet = arg
                .value
                .parse()
                .map_err(|_| site.fail_arg(arg, MatcherProblem::BadClientIp(arg.value.clone())))?;
            canonical_network(network.trunc())
        }
    };
    Ok(Matcher::ClientIp(network))
}

fn canonical_network(network: IpNet) -> IpNet {
    let IpNet::V6(v6) = network else {
        return network;
    };
    let mapped = v6.addr().to_ipv4_mapped().and_then(|v4| {
        let prefix = v6.prefix_len().checked_sub(96)?;
        Ipv4Net::new(v4, prefix).ok()
    });
    mapped.map_or(network, IpNet::V4)
}

/// `strings.ToUpper(m)`; the request's method is then compared exactly (a `get` request is
/// not a `GET`). Traefik would accept a value that is no HTTP token and never match it;
/// hawser refuses it.
pub(super) fn method(site: &Site<'_>, arg: &Arg) -> Result<Expr, RuleError> {
    let upper = arg.value.to_ascii_uppercase();
    Method::from_bytes(upper.as_bytes())
        .map(|method| Expr::Test(Matcher::Method(method)))
        .map_err(|_| site.fail_arg(arg, MatcherProblem::BadMethod(arg.value.clone())))
}

/// A header name, compared case-insensitively. Traefik would accept a name that is no HTTP
/// token and never match it; hawser refuses it.
pub(super) fn header_name(site: &Site<'_>, arg: &Arg) -> Result<HeaderName, RuleError> {
    HeaderName::from_bytes(arg.value.as_bytes())
        .map_err(|_| site.fail_arg(arg, MatcherProblem::BadHeaderName(arg.value.clone())))
}

/// A header test. Go's `net/http` keeps `Host` out of the header map, so in Traefik a header
/// matcher on `Host` never matches; it never matches here either (hyper does list `Host`).
pub(super) fn header_test(name: HeaderName, matcher: impl FnOnce(HeaderName) -> Matcher) -> Expr {
    if name == http::header::HOST {
        Expr::Any(Vec::new())
    } else {
        Expr::Test(matcher(name))
    }
}

/// A Go RE2 regex, unanchored.
pub(super) fn go_regex(site: &Site<'_>, arg: &Arg) -> Result<Regex, RuleError> {
    goregex::compile(&arg.value).map_err(|source| {
        site.fail_arg(
            arg,
            MatcherProblem::BadRegex {
                pattern: arg.value.clone(),
                source,
            },
        )
    })
}
