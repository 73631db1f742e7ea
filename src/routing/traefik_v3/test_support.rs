//! What the v2/v3 tests share: a swarm to compile (the compile tests' builder), the compile
//! itself, and lookups into its result.

use std::collections::HashMap;

use super::compile::compile_services;
use super::provider::{ProviderSettings, SwarmContext};
use super::template::RuleTemplate;
use crate::cluster::{ClusterSnapshot, Network, Node, Task};
use crate::routing::compile::tests::Swarm;
use crate::routing::pattern::{Pattern, PatternKind};
use crate::routing::rule::{Expr, Matcher, Rule};
use crate::routing::spec::{Compiled, RouteDef, SkippedService};

/// Rules the tests use: `Host(`h`)` and `PathPrefix(`/p`)`; anything else is an error that
/// says where, as the real parser's do. (The real parser has its own tests; these tests are
/// about labels and provider semantics.)
pub fn test_rule(text: &str, _syntax: Option<&str>) -> Result<Rule, String> {
    let argument = |name: &str| {
        text.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix("(`"))
            .and_then(|rest| rest.strip_suffix("`)"))
    };
    let matcher = if let Some(host) = argument("Host") {
        Matcher::Host(host.to_ascii_lowercase())
    } else if let Some(prefix) = argument("PathPrefix") {
        let pattern = Pattern::parse(prefix, PatternKind::Path).map_err(|err| err.to_string())?;
        Matcher::PathPrefix(pattern)
    } else {
        return Err(format!("unknown rule at byte 0 of {text:?}"));
    };
    Ok(Rule {
        expr: Expr::Test(matcher),
        modifiers: Vec::new(),
    })
}

/// The reader's settings as hawser's defaults have them.
pub struct Settings {
    pub exposed_by_default: bool,
    pub default_rule: RuleTemplate,
    pub default_network: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exposed_by_default: true,
            default_rule: RuleTemplate::default(),
            default_network: None,
        }
    }
}

/// Compiles every service of the swarm as v2/v3.
pub fn compile(swarm: &Swarm) -> Compiled {
    compile_with(&swarm.snapshot, &Settings::default())
}

pub fn compile_with(snapshot: &ClusterSnapshot, settings: &Settings) -> Compiled {
    let mut compiled = Compiled::default();
    compile_into(snapshot, settings, &mut compiled);
    compiled
}

/// Compiles into what `compiled` has already (file provider routes, for one).
pub fn compile_into(snapshot: &ClusterSnapshot, settings: &Settings, compiled: &mut Compiled) {
    let networks: HashMap<&str, &Network> = snapshot
        .networks
        .iter()
        .map(|network| (network.id.as_str(), network))
        .collect();
    let nodes: HashMap<&str, &Node> = snapshot
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let tasks: Vec<(&crate::cluster::Service, Vec<&Task>)> = snapshot
        .services
        .iter()
        .map(|service| {
            let tasks = snapshot
                .tasks
                .iter()
                .filter(|task| task.service_id == service.id)
                .collect();
            (service, tasks)
        })
        .collect();
    let services: Vec<(&crate::cluster::Service, &[&Task])> = tasks
        .iter()
        .map(|(service, tasks)| (*service, tasks.as_slice()))
        .collect();
    let provider = ProviderSettings {
        prefix: "traefik",
        exposed_by_default: settings.exposed_by_default,
        default_rule: &settings.default_rule,
        default_network: settings.default_network.as_deref(),
    };
    let context = SwarmContext {
        networks: &networks,
        nodes: &nodes,
    };
    compile_services(&services, &provider, context, &test_rule, compiled);
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
