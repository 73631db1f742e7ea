//! The Traefik v1 label dialect (`traefik.port`, `traefik.frontend.rule`, ...), parsed into the
//! dialect-neutral rule model; its frontend features (`frontend.headers.*`,
//! `frontend.auth.basic.*`...) become the same middlewares v2/v3 labels configure.

mod backend;
mod labels;
mod matchers;
mod middlewares;
mod properties;
mod rule;
mod toml_string;
mod values;

pub use labels::{LabelOutcome, LabelSettings, RouteLabels, ServiceLabels, parse_service_labels};
pub use rule::parse_rule;
