//! A service's v2/v3 labels, sorted into the objects they configure, the way Traefik's label
//! decoder (paerser) groups them: keys are case-insensitive; labels are read in sorted order,
//! so of two spellings of one router, service or middleware name the first sorted one wins;
//! every object keeps its own options and its own key errors, so that one bad label costs only
//! the object it belongs to.

use std::collections::BTreeMap;

use crate::routing::options::{OptionError, Options};

/// One label, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Labelled<'a> {
    pub label: &'a str,
    pub value: &'a str,
}

/// One router, service or middleware and its options.
#[derive(Debug)]
pub struct Section<'a> {
    /// As first written, in sorted label order.
    pub name: &'a str,
    pub options: Options<'a>,
    /// The first key of this object that is not well formed.
    pub error: Option<OptionError>,
}

/// Everything a service's labels say, sorted.
#[derive(Debug, Default)]
pub struct DecodedLabels<'a> {
    pub enable: Option<Labelled<'a>>,
    pub swarm_network: Option<Labelled<'a>>,
    pub docker_network: Option<Labelled<'a>>,
    pub swarm_lbswarm: Option<Labelled<'a>>,
    pub docker_lbswarm: Option<Labelled<'a>>,
    pub routers: Vec<Section<'a>>,
    pub services: Vec<Section<'a>>,
    pub middlewares: Vec<Section<'a>>,
    /// `<prefix>.tcp.*` and `<prefix>.udp.*`: hawser routes HTTP only.
    pub tcp_udp: Vec<&'a str>,
    pub warnings: Vec<String>,
    /// A label that belongs to no object and does not decode: it could change anything, so
    /// it is the whole service's problem (Traefik skips the service for any decode error).
    pub error: Option<OptionError>,
}

/// Sorts the labels under `<prefix>.` (the root is compared exactly, as Traefik does).
pub fn decode<'a>(labels: &'a BTreeMap<String, String>, prefix: &str) -> DecodedLabels<'a> {
    let mut decoded = DecodedLabels::default();
    for (label, value) in labels {
        let Some(key) = label
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            let dotted = format!("{prefix}.");
            // `get`: the label may have a multi-byte character where the prefix ends.
            let head = label.get(..dotted.len());
            if label.len() > dotted.len()
                && head.is_some_and(|head| head.eq_ignore_ascii_case(&dotted))
            {
                decoded.warnings.push(format!(
                    "label {label} is ignored: the prefix is case-sensitive ({prefix}.)"
                ));
            }
            continue;
        };
        let labelled = Labelled { label, value };
        if let Err(reason) = decoded.add(key, labelled, label.len() - key.len()) {
            decoded.error.get_or_insert(OptionError {
                label: label.clone(),
                reason,
            });
        }
    }
    decoded
}

impl<'a> DecodedLabels<'a> {
    /// Files one label; an error is a label that belongs to no object and does not decode.
    fn add(
        &mut self,
        key: &'a str,
        labelled: Labelled<'a>,
        root_length: usize,
    ) -> Result<(), String> {
        let (root, rest) = key.split_once('.').unwrap_or((key, ""));
        let lower = root.to_ascii_lowercase();
        match lower.as_str() {
            "enable" if rest.is_empty() => self.enable = Some(labelled),
            "swarm" | "docker" => {
                let slot = match (lower.as_str(), rest.to_ascii_lowercase().as_str()) {
                    ("swarm", "network") => &mut self.swarm_network,
                    ("docker", "network") => &mut self.docker_network,
                    ("swarm", "lbswarm") => &mut self.swarm_lbswarm,
                    ("docker", "lbswarm") => &mut self.docker_lbswarm,
                    _ => return Err(format!("unknown option {rest:?} (known: network, lbswarm)")),
                };
                *slot = Some(labelled);
            }
            "http" => self.add_http(rest, labelled, root_length + root.len() + 1)?,
            "tcp" | "udp" => self.tcp_udp.push(labelled.label),
            "tls" => self.warnings.push(format!(
                "label {} is ignored: TLS stores and options from labels are not supported by hawser",
                labelled.label
            )),
            _ => self.warnings.push(format!(
                "label {} is not a label hawser knows; it is ignored (check the spelling)",
                labelled.label
            )),
        }
        Ok(())
    }

    /// `http.<kind>.<name>[.<option>]`; `offset` is where `<kind>` starts in the label.
    fn add_http(
        &mut self,
        key: &'a str,
        labelled: Labelled<'a>,
        offset: usize,
    ) -> Result<(), String> {
        let (kind, rest) = key.split_once('.').unwrap_or((key, ""));
        let sections = match kind.to_ascii_lowercase().as_str() {
            "routers" => &mut self.routers,
            "services" => &mut self.services,
            "middlewares" => &mut self.middlewares,
            "serverstransports" => {
                // `label:"-"` in Traefik: labels cannot define transports.
                self.warnings.push(format!(
                    "label {} is ignored: servers transports cannot come from labels (in Traefik \
                     either)",
                    labelled.label
                ));
                return Ok(());
            }
            "" => return Err("empty element in the label".into()),
            other => {
                return Err(format!(
                    "unknown option {other:?} (known: routers, services, middlewares)"
                ));
            }
        };
        if rest.is_empty() {
            return Err(format!("{kind} cannot be a standalone element"));
        }
        let (name, option) = rest.split_once('.').unwrap_or((rest, ""));
        if name.is_empty() {
            return Err("empty element in the label".into());
        }
        let folded = name.to_lowercase();
        let position = match sections
            .iter()
            .position(|section| section.name.to_lowercase() == folded)
        {
            Some(position) => position,
            None => {
                let prefix_end = offset + kind.len() + 1 + name.len();
                let mut section = Section {
                    name,
                    options: Options::new(&labelled.label[..prefix_end]),
                    error: None,
                };
                if name.contains('@') {
                    section.error = Some(OptionError {
                        label: labelled.label.to_owned(),
                        reason: format!(
                            "{name:?}: names cannot contain @, which separates a name from its \
                             provider"
                        ),
                    });
                }
                sections.push(section);
                sections.len() - 1
            }
        };
        let section = &mut sections[position];
        if option.is_empty() {
            // A bare entry (`routers.a=x`) creates the object, as in Traefik.
            return Ok(());
        }
        if let Some(reason) = malformed(option) {
            section.error.get_or_insert(OptionError {
                label: labelled.label.to_owned(),
                reason,
            });
            return Ok(());
        }
        section.options.push(option, labelled.label, labelled.value);
        Ok(())
    }
}

/// paerser's key checks: no empty element, none starting with `[`.
fn malformed(option: &str) -> Option<String> {
    option.split('.').find_map(|element| {
        if element.is_empty() {
            Some("empty element in the label".to_owned())
        } else if element.starts_with('[') {
            Some(format!("{element:?}: an index must follow a name"))
        } else {
            None
        }
    })
}

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;
