//! A middleware's labels (`<prefix>.http.middlewares.<name>.<type>.*`): exactly one type, read
//! by that middleware's own parser; `chain` is resolved here, into the middlewares it lists.

use super::labels::Section;
use crate::routing::middleware::Middleware;
use crate::routing::options::OptionError;

/// A middleware as defined: one to run, or a chain of others (names as written).
#[derive(Clone, Debug, PartialEq)]
pub enum MiddlewareLabels {
    Run(Middleware),
    Chain { members: Vec<String>, label: String },
}

pub fn read_middleware(section: &Section<'_>) -> Result<MiddlewareLabels, OptionError> {
    if let Some(error) = &section.error {
        return Err(error.clone());
    }
    let options = &section.options;
    let mut kinds: Vec<&str> = Vec::new();
    for (key, _, _) in options.entries() {
        let kind = key.split('.').next().unwrap_or(key);
        if !kinds.iter().any(|seen| seen.eq_ignore_ascii_case(kind)) {
            kinds.push(kind);
        }
    }
    // Traefik's messages (`pkg/server/middleware/middlewares.go`).
    let kind = match kinds.as_slice() {
        [kind] => *kind,
        [] => {
            return Err(OptionError {
                label: options.label_of("").trim_end_matches('.').to_owned(),
                reason: "invalid middleware type or middleware does not exist: set one type, \
                         as in stripprefix.prefixes"
                    .into(),
            });
        }
        [first, second, ..] => {
            let label = options
                .entries()
                .find(|(key, _, _)| key.split('.').next() == Some(second))
                .map_or_else(
                    || options.label_of(second),
                    |(_, label, _)| label.to_owned(),
                );
            return Err(OptionError {
                label,
                reason: format!(
                    "multi-types middleware not supported ({first} and {second}): declare two \
                     middlewares instead"
                ),
            });
        }
    };
    let nested = options.nested(kind);
    if kind.eq_ignore_ascii_case("chain") {
        let members: Vec<String> = nested
            .list("middlewares")
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let label = nested.label_of("middlewares");
        nested.finish()?;
        return Ok(MiddlewareLabels::Chain { members, label });
    }
    // A bare `<name>.<type>=true` (compress, for one) is the type with its defaults.
    if !options.enabled(kind) {
        return Err(options.error(kind, format!("{kind} is switched off by its value")));
    }
    let middleware = Middleware::parse(kind, &nested)?;
    options.finish()?;
    Ok(MiddlewareLabels::Run(middleware))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::routing::middleware::StripPrefix;
    use crate::routing::traefik_v3::labels::decode;

    fn read(pairs: &[(&str, &str)]) -> Result<MiddlewareLabels, OptionError> {
        let labels: BTreeMap<String, String> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        let decoded = decode(&labels, "traefik");
        let [section] = decoded.middlewares.as_slice() else {
            panic!("one middleware: {:?}", decoded.middlewares)
        };
        read_middleware(section)
    }

    /// S6-style middleware, both spellings the docs use (`stripprefix`, `stripPrefix`).
    #[test]
    fn a_middleware_is_read_by_its_own_parser() {
        for kind in ["stripprefix", "stripPrefix"] {
            let label = format!("traefik.http.middlewares.strip.{kind}.prefixes");
            let middleware = read(&[(&label, "/ping, /pong")]).expect("valid");
            assert_eq!(
                middleware,
                MiddlewareLabels::Run(Middleware::StripPrefix(StripPrefix {
                    prefixes: vec!["/ping".into(), "/pong".into()],
                    force_slash: false,
                }))
            );
        }
    }

    /// The docs' chain example (`routers.router1.middlewares=secured`,
    /// `middlewares.secured.chain.middlewares=https-only,known-ips,auth-users`).
    #[test]
    fn a_chain_lists_its_members_in_order() {
        let chain = read(&[(
            "traefik.http.middlewares.secured.chain.middlewares",
            "https-only, known-ips,auth-users@file",
        )])
        .expect("valid");
        assert_eq!(
            chain,
            MiddlewareLabels::Chain {
                members: vec![
                    "https-only".into(),
                    "known-ips".into(),
                    "auth-users@file".into()
                ],
                label: "traefik.http.middlewares.secured.chain.middlewares".into(),
            }
        );
    }

    #[test]
    fn errors_name_the_label() {
        type Labels<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Labels, &str, &str)] = &[
            (
                &[
                    ("traefik.http.middlewares.m.stripprefix.prefixes", "/a"),
                    ("traefik.http.middlewares.m.addprefix.prefix", "/b"),
                ],
                "traefik.http.middlewares.m.stripprefix.prefixes",
                "multi-types",
            ),
            (
                &[("traefik.http.middlewares.m.stripprefix.prefixs", "/a")],
                "traefik.http.middlewares.m.stripprefix.prefixs",
                "unknown option",
            ),
            (
                &[("traefik.http.middlewares.m.chain.middlewres", "a")],
                "traefik.http.middlewares.m.chain.middlewres",
                "unknown option",
            ),
            (
                &[("traefik.http.middlewares.m", "x")],
                "traefik.http.middlewares.m",
                "invalid middleware type",
            ),
        ];
        for (pairs, label, reason) in cases {
            let err = read(pairs).expect_err(label);
            assert!(err.reason.contains(reason), "{err}");
            assert_eq!(err.label, *label, "{err}");
        }
    }
}
