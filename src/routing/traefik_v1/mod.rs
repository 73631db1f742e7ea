//! The Traefik v1 label dialect (`traefik.port`, `traefik.frontend.rule`, ...), parsed into the
//! dialect-neutral rule model. A Traefik v2+ dialect would be a sibling module.

mod labels;
mod matchers;
mod properties;
mod rule;
mod toml_string;
mod values;

pub use labels::{LabelOutcome, LabelSettings, RouteLabels, ServiceLabels, parse_service_labels};
pub use rule::parse_rule;
