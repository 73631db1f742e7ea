//! The v3 matchers (Traefik `pkg/muxer/http/matcher.go`, `httpFuncs`): fixed argument counts,
//! Go regexes searched unanchored, plain-string paths.

use super::Site;
use super::values::{
    ascii_host, client_ip, go_regex, header_name, header_test, literal_host, method,
};
use crate::routing::error::{MatcherProblem, RuleError};
use crate::routing::pattern::Pattern;
use crate::routing::rule::{Expr, Matcher};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum V3 {
    ClientIp,
    Header,
    HeaderRegexp,
    Host,
    HostRegexp,
    Method,
    Path,
    PathPrefix,
    PathRegexp,
    Query,
    QueryRegexp,
}

pub(super) const MATCHERS: [(&str, V3); 11] = [
    ("ClientIP", V3::ClientIp),
    ("Header", V3::Header),
    ("HeaderRegexp", V3::HeaderRegexp),
    ("Host", V3::Host),
    ("HostRegexp", V3::HostRegexp),
    ("Method", V3::Method),
    ("Path", V3::Path),
    ("PathPrefix", V3::PathPrefix),
    ("PathRegexp", V3::PathRegexp),
    ("Query", V3::Query),
    ("QueryRegexp", V3::QueryRegexp),
];

pub(super) fn build(matcher: V3, site: &Site<'_>) -> Result<Expr, RuleError> {
    let (counts, expected): (&[usize], _) = match matcher {
        V3::Header | V3::HeaderRegexp => (&[2], "2 arguments"),
        V3::Query | V3::QueryRegexp => (&[1, 2], "1 or 2 arguments"),
        _ => (&[1], "1 argument"),
    };
    let args = site.args();
    if !counts.contains(&args.len()) {
        return Err(site.fail(MatcherProblem::ArgumentCount {
            expected,
            got: args.len(),
        }));
    }
    let first = &args[0];
    let test = |matcher: Matcher| Ok(Expr::Test(matcher));
    match matcher {
        V3::ClientIp => test(client_ip(site, first)?),
        V3::Host => {
            // Traefik 3.7 accepts `*` before its ASCII check, and `*.` prefixes after it.
            if first.value == "*" {
                return test(Matcher::HostWildcard("*".into()));
            }
            let host = ascii_host(site, first)?;
            if host.starts_with('*') {
                return test(Matcher::HostWildcard(host.to_ascii_lowercase()));
            }
            test(literal_host(host))
        }
        V3::HostRegexp => {
            ascii_host(site, first)?;
            let regex = go_regex(site, first)?;
            // Traefik also tries the CNAME-flattened host, which is "" unless flattening is on:
            // a regex that matches "" therefore matches every request.
            if regex.is_match("") {
                return Ok(Expr::All(Vec::new()));
            }
            test(Matcher::HostRegexp(regex))
        }
        V3::Path | V3::PathPrefix => {
            if !first.value.starts_with('/') {
                return Err(site.fail_arg(first, MatcherProblem::NotAPath(first.value.clone())));
            }
            let path = Pattern::literal(&first.value);
            test(match matcher {
                V3::Path => Matcher::Path(path),
                _ => Matcher::PathPrefix(path),
            })
        }
        V3::PathRegexp => test(Matcher::PathRegexp(go_regex(site, first)?)),
        V3::Method => method(site, first),
        V3::Header => {
            let name = header_name(site, first)?;
            let value = args[1].value.clone();
            Ok(header_test(name, |name| Matcher::Header {
                name,
                value: Some(value),
            }))
        }
        V3::HeaderRegexp => {
            let name = header_name(site, first)?;
            let regex = go_regex(site, &args[1])?;
            Ok(header_test(name, |name| Matcher::HeaderPattern {
                name,
                regex,
            }))
        }
        V3::Query | V3::QueryRegexp => {
            let key = first.value.clone();
            match (matcher, args.get(1)) {
                (V3::QueryRegexp, Some(pattern)) => {
                    let regex = go_regex(site, pattern)?;
                    test(Matcher::QueryRegexp { key, regex })
                }
                // The one-argument forms look for an empty value: `?key` or `?key=`.
                (_, value) => {
                    let value = value.map(|arg| arg.value.clone()).unwrap_or_default();
                    test(Matcher::QueryValue { key, value })
                }
            }
        }
    }
}
