//! A router's labels (`<prefix>.http.routers.<name>.*`, Traefik's `dynamic.Router`), read
//! into its settings. The rule stays text here: it is parsed once, where the route is built.

use super::labels::Section;
use super::names::{Provider, Qualified};
use crate::routing::options::{OptionError, Options};
use crate::routing::tls::RouteTls;

/// What a router's labels say; provider semantics (default rule, linking) come later.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterLabels {
    /// Empty: the default rule applies.
    pub rule: String,
    pub rule_syntax: Option<String>,
    /// 0: the rule's length.
    pub priority: u32,
    pub entry_points: Vec<String>,
    /// As written, in order.
    pub middlewares: Vec<String>,
    /// As written; `None`: linked to the service's only service, if it has one.
    pub service: Option<String>,
    pub tls: Option<RouteTls>,
}

/// The labels errors about a router point to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterLabelNames {
    pub rule: String,
    pub middlewares: String,
    pub service: String,
}

impl RouterLabelNames {
    pub fn of(options: &Options<'_>) -> Self {
        RouterLabelNames {
            rule: options.label_of("rule"),
            middlewares: options.label_of("middlewares"),
            service: options.label_of("service"),
        }
    }
}

pub fn read_router(section: &Section<'_>) -> Result<RouterLabels, OptionError> {
    if let Some(error) = &section.error {
        return Err(error.clone());
    }
    let options = &section.options;
    let priority = match options.number::<i64>("priority")? {
        None => 0,
        Some(priority) => u32::try_from(priority).map_err(|_| {
            options.error(
                "priority",
                format!(
                    "{priority} is out of range: hawser orders routes by priorities from 0 \
                     (the rule's length) to {}",
                    u32::MAX
                ),
            )
        })?,
    };
    let tls = if options.enabled("tls") {
        let nested = options.nested("tls");
        let provider = Provider::Swarm;
        Some(RouteTls::from_options(&nested, |name| {
            Qualified::parse(name, &provider).to_string()
        })?)
    } else {
        options.discard("tls");
        None
    };
    // Traefik v3.3+'s per-router observability switches: read and checked, then ignored.
    for key in ["accesslogs", "metrics", "tracing"] {
        let key = format!("observability.{key}");
        if options.bool(&key)?.is_some() {
            options.warn(
                &key,
                "ignored: hawser's access log, metrics and tracing are global",
            );
        }
    }
    if let Some(verbosity) = options.string("observability.traceverbosity") {
        if !matches!(verbosity.trim(), "minimal" | "detailed") {
            return Err(options.error(
                "observability.traceverbosity",
                format!("{verbosity:?} is not minimal or detailed"),
            ));
        }
        options.warn(
            "observability.traceverbosity",
            "ignored: hawser does not trace",
        );
    }
    let router = RouterLabels {
        rule: options.string("rule").unwrap_or_default().to_owned(),
        rule_syntax: options
            .string("rulesyntax")
            .map(|syntax| syntax.trim().to_owned()),
        priority,
        entry_points: owned_list(options, "entrypoints"),
        middlewares: owned_list(options, "middlewares"),
        service: options
            .string("service")
            .map(str::trim)
            .filter(|service| !service.is_empty())
            .map(str::to_owned),
        tls,
    };
    options.finish()?;
    Ok(router)
}

fn owned_list(options: &Options<'_>, key: &str) -> Vec<String> {
    options
        .list(key)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::routing::traefik_v3::labels::decode;

    fn read(pairs: &[(&str, &str)]) -> Result<RouterLabels, OptionError> {
        let labels: BTreeMap<String, String> = pairs
            .iter()
            .map(|(key, value)| (format!("traefik.http.routers.r.{key}"), (*value).to_owned()))
            .collect();
        read_router(&decode(&labels, "traefik").routers[0])
    }

    /// S15, the docs' label reference: comma lists trimmed (`foobar, foobar`), the rule as
    /// written (its length is the default priority), `ruleSyntax` kept for the parser.
    #[test]
    fn every_router_option_is_read() {
        let router = read(&[
            ("rule", "Host(`example.com`) "),
            ("ruleSyntax", "v2"),
            ("priority", "42"),
            ("entryPoints", "foobar, foobar"),
            ("middlewares", "a, b@file"),
            ("service", " s "),
        ])
        .expect("valid");
        assert_eq!(router.rule, "Host(`example.com`) ");
        assert_eq!(router.rule_syntax.as_deref(), Some("v2"));
        assert_eq!(router.priority, 42);
        assert_eq!(router.entry_points, ["foobar", "foobar"]);
        assert_eq!(router.middlewares, ["a", "b@file"]);
        assert_eq!(router.service.as_deref(), Some("s"));
        assert_eq!(router.tls, None);
    }

    /// `tls` is allowEmpty (research §2.5): `true`, empty, or any option under it switches it
    /// on; any other value switches it off with everything under it.
    #[test]
    fn tls_is_allow_empty() {
        for (pairs, on) in [
            (&[("tls", "true")][..], true),
            (&[("tls", "")][..], true),
            (&[("tls.certresolver", "le")][..], true),
            (&[("tls", "false"), ("tls.certresolver", "le")][..], false),
            (&[("tls", "no")][..], false),
        ] {
            let router = read(pairs).expect("valid");
            assert_eq!(router.tls.is_some(), on, "{pairs:?}");
        }
    }

    #[test]
    fn bad_router_options_name_their_label() {
        for (key, value) in [
            ("priority", "high"),
            ("priority", "-5"),
            ("rul", "Host(`a`)"),
            ("tls.certresolvr", "le"),
            ("observability.accesslog", "false"),
        ] {
            let err = read(&[(key, value)]).expect_err(key);
            assert_eq!(err.label, format!("traefik.http.routers.r.{key}"), "{err}");
        }
        let router = read(&[("observability.accessLogs", "false")]).expect("accepted");
        assert_eq!(router, RouterLabels::default());
    }
}
