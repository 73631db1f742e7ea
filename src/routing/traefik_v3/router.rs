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
    for (key, _, _) in options.entries() {
        if key.to_ascii_lowercase().starts_with("observability.") {
            options.ignore(key);
            options.warn(
                key,
                "ignored: hawser's access log, metrics and tracing are global",
            );
        }
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
