//! Which network a service's tasks are reached on. Never a guess: Traefik v1 picked a random
//! network when the choice was ambiguous; hawser skips the service and says which to set.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::cluster::{Network, Node, Service, Task};
use crate::routing::SkipReason;
use crate::routing::spec::BackendDef;

/// Chooses the network: the service's label, else `--network` when the service is attached to
/// it, else the only non-ingress network the service is attached to.
pub fn choose_network<'a>(
    service: &Service,
    label_value: Option<&str>,
    default_network: Option<&str>,
    networks: &HashMap<&str, &'a Network>,
    label_name: &str,
) -> Result<&'a Network, SkipReason> {
    let attached: Vec<&'a Network> = service
        .networks
        .iter()
        .filter_map(|id| networks.get(id.as_str()).copied())
        .filter(|network| !network.ingress)
        .collect();
    let find = |wanted: &str| {
        attached
            .iter()
            .copied()
            .find(|network| network.name == wanted || network.id == wanted)
    };
    if let Some(wanted) = label_value {
        return find(wanted).ok_or_else(|| SkipReason::UnknownNetwork {
            network: wanted.to_owned(),
            source_of_choice: format!("label {label_name}"),
            attached: names(&attached),
            hint: stack_hint(wanted, &attached),
        });
    }
    if let Some(network) = default_network.and_then(find) {
        return Ok(network);
    }
    match attached.as_slice() {
        [only] => Ok(only),
        [] => Err(SkipReason::NoNetwork),
        _ => Err(SkipReason::AmbiguousNetwork {
            candidates: names(&attached),
            label: label_name.to_owned(),
        }),
    }
}

/// Running as Swarm wants, on a node the managers can reach.
pub fn is_routable(task: &Task, nodes: &HashMap<&str, &Node>) -> bool {
    let node_down = task
        .node_id
        .as_deref()
        .and_then(|id| nodes.get(id))
        .is_some_and(|node| node.is_down());
    task.is_serving() && !node_down
}

/// One backend per routable task that has an address on `network`, listening on `port`.
pub fn task_backends(
    service: &Service,
    tasks: &[&Task],
    network: &Network,
    nodes: &HashMap<&str, &Node>,
    port: u16,
    weight: u32,
) -> Vec<BackendDef> {
    tasks
        .iter()
        .filter(|task| is_routable(task, nodes))
        .filter_map(|task| {
            let address = task
                .addresses
                .iter()
                .find(|address| address.network_id == network.id)?;
            let node = task.node_id.as_deref().and_then(|id| nodes.get(id));
            Some(BackendDef {
                task_id: Some(task.id.clone()),
                service: service.name.clone(),
                slot: task.slot,
                node_id: task.node_id.clone(),
                node: node.map(|node| node.hostname.clone()),
                address: SocketAddr::new(address.ip, port),
                weight,
            })
        })
        .collect()
}

fn names(networks: &[&Network]) -> String {
    if networks.is_empty() {
        return "none".to_owned();
    }
    let mut names: Vec<&str> = networks
        .iter()
        .map(|network| network.name.as_str())
        .collect();
    names.sort_unstable();
    names.join(", ")
}

/// Stacks prefix network names: a label saying `apps` usually means `<stack>_apps`.
fn stack_hint(wanted: &str, attached: &[&Network]) -> String {
    let suffix = format!("_{wanted}");
    attached
        .iter()
        .find(|network| network.name.ends_with(&suffix))
        .map(|network| {
            format!(
                " (did you mean {}? stacks prefix network names)",
                network.name
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cluster::ServiceMode;

    fn network(id: &str, name: &str, ingress: bool) -> Network {
        Network {
            id: id.into(),
            name: name.into(),
            ingress,
        }
    }

    fn service(networks: &[&str]) -> Service {
        Service {
            id: "s1".into(),
            name: "demo_web".into(),
            labels: BTreeMap::new(),
            container_labels: BTreeMap::new(),
            networks: networks.iter().map(|id| (*id).to_owned()).collect(),
            mode: ServiceMode::Global,
            updating: false,
            virtual_ips: Vec::new(),
        }
    }

    fn choose(
        service: &Service,
        label: Option<&str>,
        default: Option<&str>,
    ) -> Result<String, SkipReason> {
        let all = [
            network("ing", "ingress", true),
            network("n1", "demo_apps", false),
            network("n2", "backend_net", false),
        ];
        let by_id: HashMap<&str, &Network> = all.iter().map(|n| (n.id.as_str(), n)).collect();
        choose_network(service, label, default, &by_id, "traefik.docker.network")
            .map(|network| network.name.clone())
    }

    #[test]
    fn the_label_wins_by_name_or_id() {
        let both = service(&["n1", "n2"]);
        assert_eq!(choose(&both, Some("demo_apps"), None).unwrap(), "demo_apps");
        assert_eq!(
            choose(&both, Some("n2"), Some("demo_apps")).unwrap(),
            "backend_net"
        );
    }

    #[test]
    fn a_label_naming_a_network_the_service_is_not_on_is_an_error_with_a_hint() {
        let reason = choose(&service(&["n1"]), Some("apps"), None).unwrap_err();
        let text = reason.to_string();
        assert!(matches!(reason, SkipReason::UnknownNetwork { .. }));
        assert!(text.contains("did you mean demo_apps"), "{text}");
        assert!(text.contains("attached: demo_apps"), "{text}");
    }

    #[test]
    fn the_default_network_applies_only_when_attached() {
        let both = service(&["n1", "n2"]);
        assert_eq!(
            choose(&both, None, Some("backend_net")).unwrap(),
            "backend_net"
        );
        let one = service(&["n1"]);
        assert_eq!(
            choose(&one, None, Some("backend_net")).unwrap(),
            "demo_apps"
        );
    }

    #[test]
    fn ingress_is_never_chosen_and_ambiguity_is_never_guessed() {
        assert_eq!(
            choose(&service(&["ing", "n1"]), None, None).unwrap(),
            "demo_apps"
        );
        assert_eq!(
            choose(&service(&["ing"]), None, None).unwrap_err(),
            SkipReason::NoNetwork
        );
        let reason = choose(&service(&["n1", "n2", "ing"]), None, None).unwrap_err();
        assert_eq!(
            reason.to_string(),
            "attached to several networks (backend_net, demo_apps): set traefik.docker.network \
             or --network to choose the one hawser reaches the tasks on"
        );
        assert_eq!(
            choose(&service(&[]), None, None).unwrap_err(),
            SkipReason::NoNetwork
        );
        assert_eq!(
            choose(&service(&["gone"]), None, None).unwrap_err(),
            SkipReason::NoNetwork
        );
    }
}
