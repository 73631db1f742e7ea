//! The v2 matchers (`ruleSyntax=v2`: Traefik `pkg/muxer/http/matcher_v2.go`, a port of
//! v2.11's `mux.go` on gorilla/mux). Every matcher takes any number of arguments, OR-ed,
//! except `Headers`, `HeadersRegexp` and `Query`, whose pairs must all hold. Host, path and
//! query arguments are gorilla templates (`{name}`, `{name:regex}`), anchored at both ends
//! (paths only at the start for `PathPrefix`).

use std::collections::HashSet;

use super::expr::Arg;
use super::values::{
    ascii_host, client_ip, go_regex, header_name, header_test, literal_host, method,
};
use super::{Site, all_of, any_of};
use crate::routing::error::{MatcherProblem, RuleError};
use crate::routing::pattern::{Pattern, PatternKind, go_template_variables};
use crate::routing::rule::{Expr, Matcher};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum V2 {
    ClientIp,
    Headers,
    HeadersRegexp,
    Host,
    HostRegexp,
    Method,
    Path,
    PathPrefix,
    Query,
}

pub(super) const MATCHERS: [(&str, V2); 10] = [
    ("ClientIP", V2::ClientIp),
    ("Headers", V2::Headers),
    ("HeadersRegexp", V2::HeadersRegexp),
    ("Host", V2::Host),
    ("HostHeader", V2::Host),
    ("HostRegexp", V2::HostRegexp),
    ("Method", V2::Method),
    ("Path", V2::Path),
    ("PathPrefix", V2::PathPrefix),
    ("Query", V2::Query),
];

pub(super) fn build(matcher: V2, site: &Site<'_>) -> Result<Expr, RuleError> {
    let args = site.args();
    let each = |build: &dyn Fn(&Arg) -> Result<Expr, RuleError>| -> Result<Expr, RuleError> {
        Ok(any_of(args.iter().map(build).collect::<Result<_, _>>()?))
    };
    match matcher {
        // No wildcard here: `*.example.com` is a literal host, which no request has.
        V2::Host => each(&|arg| Ok(Expr::Test(literal_host(ascii_host(site, arg)?)))),
        V2::HostRegexp => each(&|arg| {
            ascii_host(site, arg)?;
            let pattern = template(site, arg, &arg.value, PatternKind::Host)?;
            Ok(Expr::Test(Matcher::HostPattern(pattern)))
        }),
        V2::ClientIp => each(&|arg| client_ip(site, arg).map(Expr::Test)),
        V2::Path | V2::PathPrefix => each(&|arg| {
            if !arg.value.starts_with('/') {
                return Err(site.fail_arg(arg, MatcherProblem::NotAPath(arg.value.clone())));
            }
            let pattern = template(site, arg, &arg.value, PatternKind::Path)?;
            Ok(Expr::Test(match matcher {
                V2::Path => Matcher::Path(pattern),
                _ => Matcher::PathPrefix(pattern),
            }))
        }),
        V2::Method => each(&|arg| method(site, arg)),
        V2::Headers | V2::HeadersRegexp => headers(matcher, site),
        V2::Query => query(site),
    }
}

/// `Headers(name, value, ...)`: every pair must hold (a repeated name keeps its last value, as
/// in the map gorilla builds).
fn headers(matcher: V2, site: &Site<'_>) -> Result<Expr, RuleError> {
    let args = site.args();
    if args.len() % 2 != 0 {
        return Err(site.fail(MatcherProblem::OddPairs(args.len())));
    }
    let mut conjuncts = Vec::with_capacity(args.len() / 2);
    for (index, pair) in args.chunks_exact(2).enumerate() {
        let repeated_later = args[2 * (index + 1)..]
            .chunks_exact(2)
            .any(|later| later[0].value == pair[0].value);
        if repeated_later {
            continue;
        }
        let name = header_name(site, &pair[0])?;
        conjuncts.push(match matcher {
            V2::HeadersRegexp => {
                let regex = go_regex(site, &pair[1])?;
                header_test(name, |name| Matcher::HeaderPattern { name, regex })
            }
            _ => {
                let value = pair[1].value.clone();
                header_test(name, |name| Matcher::Header {
                    name,
                    value: Some(value),
                })
            }
        });
    }
    Ok(all_of(conjuncts))
}

/// `Query(key=value, ...)`: each argument is split at its first `=` and the pieces, taken
/// two by two, are the pairs, so `Query(`foo`, `bar`)` is the pair `foo=bar` and `Query(`foo`)`
/// is an error. Each pair is a template matched against `key=` and the first value of `key`;
/// all pairs must hold, and no variable name may repeat across them.
fn query(site: &Site<'_>) -> Result<Expr, RuleError> {
    let mut pieces: Vec<(&str, &Arg)> = Vec::new();
    for arg in site.args() {
        match arg.value.split_once('=') {
            Some((key, value)) => pieces.extend([(key, arg), (value, arg)]),
            None => pieces.push((&arg.value, arg)),
        }
    }
    if pieces.len() % 2 != 0 {
        return Err(site.fail(MatcherProblem::OddPairs(pieces.len())));
    }
    let mut seen = HashSet::new();
    let mut conjuncts = Vec::with_capacity(pieces.len() / 2);
    for pair in pieces.chunks_exact(2) {
        let (key, arg) = pair[0];
        let text = format!("{key}={}", pair[1].0);
        let pattern = template(site, arg, &text, PatternKind::Query)?;
        for name in go_template_variables(&text) {
            if !seen.insert(name.clone()) {
                return Err(site.fail_arg(arg, MatcherProblem::DuplicateVariable(name)));
            }
        }
        // gorilla compares the query's keys with the template's text before its first `=`.
        let key = text.split_once('=').map_or(key, |(key, _)| key).to_owned();
        conjuncts.push(Expr::Test(Matcher::QueryFirstValue { key, pattern }));
    }
    Ok(all_of(conjuncts))
}

fn template(
    site: &Site<'_>,
    arg: &Arg,
    text: &str,
    kind: PatternKind,
) -> Result<Pattern, RuleError> {
    Pattern::parse_go_template(text, kind).map_err(|err| {
        let reason = match err {
            RuleError::BadPattern { reason, .. } => reason,
            other => other.to_string(),
        };
        site.fail_arg(
            arg,
            MatcherProblem::BadTemplate {
                template: text.to_owned(),
                reason,
            },
        )
    })
}
