//! The cluster as routing sees it: plain data, no Docker client types.
//!
//! The model both sides depend on: each discovery provider fills a part of it (the swarm
//! provider services, tasks, networks and nodes; the file provider static services), the parts
//! are merged into one snapshot, and routing compiles that. Only fields that can change a route
//! or that operators want to see are kept, so two snapshots compare equal exactly when nothing
//! of interest changed.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

/// Everything the routing table is built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSnapshot {
    pub services: Vec<Service>,
    pub tasks: Vec<Task>,
    pub networks: Vec<Network>,
    pub nodes: Vec<Node>,
    /// Services from the static file provider, with fixed backend addresses.
    pub static_services: Vec<StaticService>,
    /// Set once the provider has listed everything it knows: until then an empty part means
    /// "not known yet", not "no services". A merged snapshot is synced when every part is.
    pub synced: bool,
}

impl ClusterSnapshot {
    /// Several providers' parts as one cluster: their lists side by side, synced when every
    /// part is (so no parts at all is a complete, empty cluster).
    pub fn merge<'a>(parts: impl IntoIterator<Item = &'a ClusterSnapshot>) -> ClusterSnapshot {
        let mut merged = ClusterSnapshot {
            synced: true,
            ..ClusterSnapshot::default()
        };
        for part in parts {
            merged.services.extend_from_slice(&part.services);
            merged.tasks.extend_from_slice(&part.tasks);
            merged.networks.extend_from_slice(&part.networks);
            merged.nodes.extend_from_slice(&part.nodes);
            merged
                .static_services
                .extend_from_slice(&part.static_services);
            merged.synced &= part.synced;
        }
        merged
    }
}

/// A Swarm service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// `Spec.Labels` (a stack's `deploy.labels`): the only labels that configure routes.
    pub labels: BTreeMap<String, String>,
    /// `Spec.TaskTemplate.ContainerSpec.Labels` (a stack's `labels:`): read only to warn.
    pub container_labels: BTreeMap<String, String>,
    /// IDs of the networks the service's tasks attach to.
    pub networks: Vec<String>,
    pub mode: ServiceMode,
    /// True while Swarm rolls out an update of this service.
    pub updating: bool,
    /// `Endpoint.VirtualIPs`: the service's address on each network (VIP endpoint mode);
    /// none in dnsrr mode.
    pub virtual_ips: Vec<VirtualIp>,
}

/// A service's virtual IP on one network, which Swarm balances over its tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualIp {
    pub network_id: String,
    pub ip: IpAddr,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ServiceMode {
    Replicated {
        replicas: u64,
    },
    Global,
    /// Jobs and modes newer than this code: never routed differently, only displayed.
    Other {
        name: String,
    },
}

/// A Swarm task: one scheduled instance of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub service_id: String,
    /// Replicated services number their tasks; global ones do not.
    pub slot: Option<u64>,
    pub node_id: Option<String>,
    /// What Swarm wants (`running`, `shutdown`, ...).
    pub desired_state: String,
    /// What the task is (`running`, `starting`, `failed`, ...).
    pub state: String,
    pub addresses: Vec<TaskAddress>,
}

/// The task's address on one network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskAddress {
    pub network_id: String,
    pub ip: IpAddr,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    /// The routing-mesh network; never a backend network.
    pub ingress: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub hostname: String,
    /// `ready`, `down`, `disconnected`, `unknown`.
    pub state: String,
    pub role: String,
}

/// A route from the static file provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticService {
    pub name: String,
    pub rule: String,
    pub priority: Option<u32>,
    pub pass_host_header: Option<bool>,
    pub weight: Option<u32>,
    pub backends: Vec<SocketAddr>,
    /// Run in this order around the route; read by routing as middleware labels are.
    pub middlewares: Vec<StaticMiddleware>,
}

/// A middleware a static service declares: Traefik's type name and its options, flattened
/// to `key=value` pairs as labels would give them (`customRequestHeaders.X-A=1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticMiddleware {
    pub name: String,
    pub kind: String,
    pub options: Vec<(String, String)>,
}

impl Task {
    /// Swarm wants it running and it is: the only tasks that may get traffic.
    pub fn is_serving(&self) -> bool {
        self.desired_state == "running" && self.state == "running"
    }

    /// Somewhere between scheduled and running: the swarm is about to change.
    pub fn is_converging(&self) -> bool {
        self.desired_state == "running"
            && matches!(
                self.state.as_str(),
                "new"
                    | "allocated"
                    | "pending"
                    | "assigned"
                    | "accepted"
                    | "preparing"
                    | "ready"
                    | "starting"
            )
            || self.desired_state != "running" && self.state == "running"
    }
}

impl Node {
    /// A node the managers cannot reach may still list its tasks as running; they are not.
    pub fn is_down(&self) -> bool {
        matches!(self.state.as_str(), "down" | "disconnected")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn static_service(name: &str) -> StaticService {
        StaticService {
            name: name.into(),
            rule: "Path: /".into(),
            priority: None,
            pass_host_header: None,
            weight: None,
            backends: Vec::new(),
            middlewares: Vec::new(),
        }
    }

    #[test]
    fn parts_merge_side_by_side_and_sync_only_together() {
        let swarm = ClusterSnapshot {
            nodes: vec![Node {
                id: "n1".into(),
                hostname: "leader".into(),
                state: "ready".into(),
                role: "manager".into(),
            }],
            synced: false,
            ..ClusterSnapshot::default()
        };
        let file = ClusterSnapshot {
            static_services: vec![static_service("legacy")],
            synced: true,
            ..ClusterSnapshot::default()
        };
        let merged = ClusterSnapshot::merge([&swarm, &file]);
        assert_eq!(merged.nodes, swarm.nodes);
        assert_eq!(merged.static_services, file.static_services);
        assert!(!merged.synced, "the swarm part is not listed yet");
        let listed = ClusterSnapshot {
            synced: true,
            ..swarm
        };
        assert!(ClusterSnapshot::merge([&listed, &file]).synced);
        assert!(ClusterSnapshot::merge([]).synced, "nothing to wait for");
    }
}
