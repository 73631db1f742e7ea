//! Traefik v1 service labels → route settings.
//!
//! Reads `<prefix>.*` labels from a service's `Spec.Labels`. A service may define several routes
//! with segment labels (`<prefix>.<segment>.port`, `<prefix>.<segment>.frontend.rule`, ...);
//! segment properties fall back to the unsegmented ones. Anything wrong is a [`SkipReason`]
//! for this service alone; labels hawser deliberately ignores become warnings.

use std::collections::BTreeMap;

use super::backend::balancer_settings;
use super::middlewares::{FrontendLabel, frontend_middlewares};
use super::properties::{Property, classify, is_segment_property};
use super::rule::parse_rule;
use super::toml_string;
use super::values::{bool_or_default, int_or_default, parse_port, strict_bool, warn_once};
use crate::routing::SkipReason;
use crate::routing::entry_points::EntryPoints;
use crate::routing::load_balancer::{BalancerSettings, Scheme};
use crate::routing::middleware::MiddlewareDef;
use crate::routing::rule::Rule;

/// How the dialect is read: the CLI settings that change label meaning.
#[derive(Clone, Debug)]
pub struct LabelSettings {
    /// `traefik` by default.
    pub prefix: String,
    /// Services without a rule get `Host:<name>.<domain>` when this is set.
    pub domain: Option<String>,
    pub exposed_by_default: bool,
}

/// One route a service asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteLabels {
    /// `None` for the unsegmented route.
    pub segment: Option<String>,
    pub rule_text: String,
    pub rule: Rule,
    pub priority: u32,
    pub pass_host_header: bool,
    /// Backend name shared by services that set the same `backend` label.
    pub backend: String,
    pub weight: u32,
    pub port: u16,
    /// The frontend's features as middlewares, outermost first.
    pub middlewares: Vec<MiddlewareDef>,
    /// Stickiness and health checks from `backend.*` labels.
    pub balancer: BalancerSettings,
    /// Entry point names; empty means the default ones.
    pub entry_points: Vec<String>,
}

/// What a service's labels say, once they parse.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceLabels {
    /// `<prefix>.docker.network`.
    pub network: Option<String>,
    pub routes: Vec<RouteLabels>,
}

/// The result for one service plus the warnings to report whatever happened.
#[derive(Debug)]
pub struct LabelOutcome {
    pub result: Result<ServiceLabels, SkipReason>,
    pub warnings: Vec<String>,
}

/// Reads one service's labels. `entry_points` are the proxy's: a frontend redirect names one.
pub fn parse_service_labels(
    service_name: &str,
    labels: &BTreeMap<String, String>,
    container_labels: &BTreeMap<String, String>,
    settings: &LabelSettings,
    entry_points: &EntryPoints,
) -> LabelOutcome {
    let mut parser = Parser {
        prefix: &settings.prefix,
        entry_points,
        root: Vec::new(),
        segments: BTreeMap::new(),
        warnings: Vec::new(),
    };
    parser.collect(labels);
    let misplaced = misplaced_container_labels(&parser, labels, container_labels);
    let result = parser.build(service_name, settings, &misplaced);
    if !misplaced.is_empty() && result.is_ok() {
        parser.warnings.push(misplaced_warning(&misplaced));
    }
    LabelOutcome {
        result,
        warnings: parser.warnings,
    }
}

struct Parser<'a> {
    prefix: &'a str,
    entry_points: &'a EntryPoints,
    /// Unsegmented labels, in label order.
    root: Vec<Labelled<'a>>,
    segments: BTreeMap<&'a str, Vec<Labelled<'a>>>,
    warnings: Vec<String>,
}

#[derive(Clone, Copy)]
struct Labelled<'a> {
    property: Property,
    /// After the prefix and the segment name: `frontend.rule`.
    key: &'a str,
    label: &'a str,
    value: &'a str,
}

fn find<'a>(labels: &[Labelled<'a>], property: Property) -> Option<(&'a str, &'a str)> {
    labels
        .iter()
        .find(|labelled| labelled.property == property)
        .map(|labelled| (labelled.label, labelled.value))
}

impl<'a> Parser<'a> {
    /// Sorts every `<prefix>.` label into the root or a segment; warns about the rest.
    fn collect(&mut self, labels: &'a BTreeMap<String, String>) {
        for (label, value) in labels {
            let Some(key) = label
                .strip_prefix(self.prefix)
                .and_then(|rest| rest.strip_prefix('.'))
            else {
                continue;
            };
            let property = classify(key);
            let (label, value) = (label.as_str(), value.as_str());
            if property != Property::Unknown {
                self.root.push(Labelled {
                    property,
                    key,
                    label,
                    value,
                });
                continue;
            }
            // As in Traefik, `frontend` and `backend` are never segment names.
            let segmented = key
                .split_once('.')
                .filter(|(segment, _)| !matches!(*segment, "frontend" | "backend" | "docker"))
                .map(|(segment, rest)| (segment, rest, classify(rest)))
                .filter(|(_, _, property)| is_segment_property(*property));
            match segmented {
                Some((segment, key, property)) => {
                    self.segments.entry(segment).or_default().push(Labelled {
                        property,
                        key,
                        label,
                        value,
                    });
                }
                None => self.warnings.push(format!(
                    "label {label} is not a label hawser knows; it is ignored (check the spelling)"
                )),
            }
        }
    }

    fn build(
        &mut self,
        service_name: &str,
        settings: &LabelSettings,
        misplaced: &[String],
    ) -> Result<ServiceLabels, SkipReason> {
        let enabled = match find(&self.root, Property::Enable) {
            Some((label, value)) => {
                // Traefik would fall back to --exposed-by-default for `enable=no`, exposing a
                // service its labels meant to hide: hawser refuses to guess.
                let enabled = strict_bool(label, value)?;
                if !enabled {
                    return Err(SkipReason::Disabled {
                        label: label.to_owned(),
                        value: value.to_owned(),
                    });
                }
                true
            }
            None => settings.exposed_by_default,
        };
        if !enabled {
            return Err(SkipReason::NotEnabled {
                label: format!("{}.enable", self.prefix),
            });
        }
        let network = find(&self.root, Property::Network).map(|(_, value)| value.trim().to_owned());
        let segment_names: Vec<Option<&str>> = if self.segments.is_empty() {
            vec![None]
        } else {
            self.segments.keys().copied().map(Some).collect()
        };
        let mut routes = Vec::with_capacity(segment_names.len());
        for segment in segment_names {
            routes.push(self.route(service_name, segment, settings, misplaced)?);
        }
        Ok(ServiceLabels { network, routes })
    }

    /// The segment's own value for a property, else the unsegmented one.
    fn lookup(&self, segment: Option<&str>, property: Property) -> Option<(&'a str, &'a str)> {
        segment
            .and_then(|name| self.segments.get(name))
            .and_then(|labels| find(labels, property))
            .or_else(|| find(&self.root, property))
    }

    fn route(
        &mut self,
        service_name: &str,
        segment: Option<&str>,
        settings: &LabelSettings,
        misplaced: &[String],
    ) -> Result<RouteLabels, SkipReason> {
        self.check_unsupported(segment)?;
        let port = match self.lookup(segment, Property::Port) {
            Some((label, value)) => parse_port(label, value)?,
            None => {
                let hint = if misplaced.is_empty() {
                    String::new()
                } else {
                    format!("; {}", misplaced_warning(misplaced))
                };
                return Err(SkipReason::MissingPort {
                    label: self.label_name(segment, "port"),
                    hint,
                });
            }
        };
        let protocol = self.lookup(segment, Property::Protocol);
        let h2c = protocol.is_some_and(|(_, value)| value.trim().eq_ignore_ascii_case("h2c"));
        if let Some((label, value)) = protocol.filter(|_| !h2c) {
            if !value.trim().eq_ignore_ascii_case("http") {
                return Err(SkipReason::Unsupported {
                    label: label.to_owned(),
                    what: format!("backend protocol {value:?} (only http and h2c)"),
                });
            }
        }
        let rule_label = self.label_name(segment, "frontend.rule");
        let rule_value = match self.lookup(segment, Property::Rule) {
            Some((_, value)) => {
                toml_string::unescape(value).map_err(|reason| SkipReason::BadEscape {
                    label: rule_label.clone(),
                    reason,
                })?
            }
            None => "".into(),
        };
        // An empty rule is no rule, in Traefik: the default one applies.
        let rule_value = if rule_value.is_empty() {
            let domain = find(&self.root, Property::Domain)
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
                .or(settings.domain.as_deref());
            match domain {
                Some(domain) => format!("Host:{}.{domain}", host_label_of(service_name)),
                None => return Err(SkipReason::NoRule { label: rule_label }),
            }
        } else {
            rule_value.into_owned()
        };
        let rule_text = rule_value.trim().to_owned();
        let rule = parse_rule(&rule_text).map_err(|source| SkipReason::BadRule {
            label: rule_label,
            source,
        })?;
        let priority = match self.lookup(segment, Property::Priority) {
            Some((label, value)) => int_or_default(label, value, 0, &mut self.warnings),
            None => 0,
        };
        // Traefik's default priority is the length of the rule as it decoded it, untrimmed.
        let priority = match u32::try_from(priority) {
            Ok(priority) if priority > 0 => priority,
            _ => u32::try_from(rule_value.len()).unwrap_or(u32::MAX),
        };
        let pass_host_header = match self.lookup(segment, Property::PassHostHeader) {
            Some((label, value)) => bool_or_default(label, value, true, &mut self.warnings),
            None => true,
        };
        let weight = match self.lookup(segment, Property::Weight) {
            Some((label, value)) => {
                let weight = int_or_default(label, value, 1, &mut self.warnings);
                u32::try_from(weight).map_err(|_| SkipReason::BadValue {
                    label: label.to_owned(),
                    value: value.to_owned(),
                    expected: "a weight (0 or more)",
                })?
            }
            None => 1,
        };
        // As in Traefik: an unsegmented `backend` is a name services can share; a segment's
        // backend is always qualified by its service.
        let backend_label = self
            .lookup(segment, Property::Backend)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty());
        let backend = match (segment, backend_label) {
            (None, Some(name)) => name.to_owned(),
            (None, None) => service_name.to_owned(),
            (Some(_), Some(name)) => format!("{service_name}-{name}"),
            (Some(segment), None) => format!("{service_name}-{segment}"),
        };
        // Traefik's `GetSliceStringValue`: split on commas, trimmed, empty items dropped.
        let entry_points = self
            .lookup(segment, Property::EntryPoints)
            .map(|(_, value)| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let route_name = match segment {
            Some(segment) => format!("{service_name}/{segment}"),
            None => service_name.to_owned(),
        };
        let frontend = self.feature_labels(segment, Property::Frontend, "frontend.");
        let middlewares = frontend_middlewares(
            &route_name,
            &frontend,
            self.entry_points,
            &mut self.warnings,
        )?;
        let backend_labels = self.feature_labels(segment, Property::Balancer, "backend.");
        let mut balancer = balancer_settings(&backend_labels, &mut self.warnings);
        if h2c {
            balancer.scheme = Scheme::H2c;
        }
        Ok(RouteLabels {
            middlewares,
            balancer,
            segment: segment.map(str::to_owned),
            rule_text,
            rule,
            priority,
            pass_host_header,
            backend,
            weight,
            port,
            entry_points,
        })
    }

    /// A route's labels of one kind (keys after `prefix`): the segment's own, and the
    /// unsegmented ones it does not set itself (Traefik's `mergeDefault`).
    fn feature_labels(
        &self,
        segment: Option<&str>,
        property: Property,
        prefix: &str,
    ) -> Vec<FrontendLabel<'a>> {
        let own: &[Labelled<'a>] = segment
            .and_then(|name| self.segments.get(name))
            .map_or(&[], Vec::as_slice);
        let frontend = |labelled: &Labelled<'a>| {
            let key = labelled.key.strip_prefix(prefix)?;
            (labelled.property == property).then_some(FrontendLabel {
                key,
                label: labelled.label,
                value: labelled.value,
            })
        };
        let mut labels: Vec<FrontendLabel<'a>> = own.iter().filter_map(frontend).collect();
        for inherited in self.root.iter().filter_map(frontend) {
            if !labels.iter().any(|label| label.key == inherited.key) {
                labels.push(inherited);
            }
        }
        labels
    }

    /// Refused labels skip the service; ignored ones are warned about once per label.
    fn check_unsupported(&mut self, segment: Option<&str>) -> Result<(), SkipReason> {
        let own = segment.and_then(|name| self.segments.get(name));
        let candidates = self.root.iter().chain(own.into_iter().flatten());
        let mut warnings = Vec::new();
        for labelled in candidates {
            let label = labelled.label;
            match labelled.property {
                Property::Refused(what) => {
                    return Err(SkipReason::Unsupported {
                        label: label.to_owned(),
                        what: what.to_owned(),
                    });
                }
                Property::Ignored(why) => {
                    warnings.push(format!("label {label} is ignored: {why}"));
                }
                _ => {}
            }
        }
        for warning in warnings {
            warn_once(&mut self.warnings, warning);
        }
        Ok(())
    }

    fn label_name(&self, segment: Option<&str>, property: &str) -> String {
        match segment {
            Some(name) => format!("{}.{name}.{property}", self.prefix),
            None => format!("{}.{property}", self.prefix),
        }
    }
}

/// Container-spec labels under the prefix that the service spec lacks: almost always a stack
/// file with `labels:` where `deploy.labels:` was meant.
fn misplaced_container_labels(
    parser: &Parser<'_>,
    labels: &BTreeMap<String, String>,
    container_labels: &BTreeMap<String, String>,
) -> Vec<String> {
    let dotted = format!("{}.", parser.prefix);
    container_labels
        .keys()
        .filter(|key| key.starts_with(&dotted) && !labels.contains_key(*key))
        .cloned()
        .collect()
}

fn misplaced_warning(misplaced: &[String]) -> String {
    format!(
        "labels {} are on the container spec (a stack's `labels:`), which hawser does not read; \
         move them under `deploy.labels:`",
        misplaced.join(", ")
    )
}

/// The service name as a DNS label: `demo_web` → `demo-web`.
fn host_label_of(service_name: &str) -> String {
    service_name.replace(['_', '/'], "-")
}

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "labels_rule_tests.rs"]
mod rule_label_tests;
