//! What the v2/v3 tests share: a swarm to compile (the compile tests' builder), the compile
//! itself (hawser's whole, with v2/v3 labels detected and read), and lookups into its result.

use super::template::RuleTemplate;
use crate::cluster::ClusterSnapshot;
use crate::routing::EntryPoints;
use crate::routing::compile::tests::Swarm;
use crate::routing::spec::{Compiled, RouteDef, SkippedService};

/// The reader's settings as hawser's defaults have them.
pub struct Settings {
    pub exposed_by_default: bool,
    pub default_rule: RuleTemplate,
    pub default_network: Option<String>,
    pub entry_points: EntryPoints,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exposed_by_default: true,
            default_rule: RuleTemplate::default(),
            default_network: None,
            entry_points: crate::routing::compile::tests::settings().entry_points,
        }
    }
}

/// Compiles the swarm with hawser's default settings.
pub fn compile(swarm: &Swarm) -> Compiled {
    compile_with(&swarm.snapshot, &Settings::default())
}

/// Compiles through [`crate::routing::compile`]: dialect detection, the real rule parser,
/// entry points, as hawser runs it.
pub fn compile_with(snapshot: &ClusterSnapshot, settings: &Settings) -> Compiled {
    let mut routing = crate::routing::compile::tests::settings();
    routing.labels.exposed_by_default = settings.exposed_by_default;
    routing.default_rule = settings.default_rule.clone();
    routing.default_network = settings.default_network.clone();
    routing.entry_points = settings.entry_points.clone();
    crate::routing::compile(snapshot, &routing)
}

pub fn route<'c>(compiled: &'c Compiled, name: &str) -> &'c RouteDef {
    compiled
        .spec
        .routes
        .iter()
        .find(|route| route.name == name)
        .unwrap_or_else(|| panic!("no route {name}: {:#?}", compiled.spec))
}

pub fn route_names(compiled: &Compiled) -> Vec<&str> {
    let mut names: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    names.sort_unstable();
    names
}

/// The addresses of a balancer's backends, sorted.
pub fn addresses(compiled: &Compiled, balancer: &str) -> Vec<String> {
    let def = compiled
        .spec
        .balancers
        .get(balancer)
        .unwrap_or_else(|| panic!("no balancer {balancer}: {:#?}", compiled.spec.balancers));
    let mut addresses: Vec<String> = def
        .backends
        .iter()
        .map(|backend| backend.address.to_string())
        .collect();
    addresses.sort();
    addresses
}

/// The one skipped entry for a router (`router` qualified) or, with `None`, the service.
pub fn skipped<'c>(
    compiled: &'c Compiled,
    service: &str,
    router: Option<&str>,
) -> &'c SkippedService {
    compiled
        .spec
        .skipped
        .iter()
        .find(|skipped| skipped.service == service && skipped.router.as_deref() == router)
        .unwrap_or_else(|| {
            panic!(
                "{service} {router:?} not skipped: {:#?}",
                compiled.spec.skipped
            )
        })
}

pub fn warnings(compiled: &Compiled, service: &str) -> Vec<String> {
    compiled
        .spec
        .warnings
        .iter()
        .filter(|warning| warning.service == service)
        .map(|warning| warning.message.clone())
        .collect()
}
