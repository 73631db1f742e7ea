//! What operators see per service: its status, why it was skipped, and its tasks.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Serialize;

use super::SkipReason;
use super::dialect::Dialect;
use crate::cluster::{Network, Node, Service, ServiceMode, StaticService, Task};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceReport {
    pub name: String,
    /// The Swarm service ID; `None` for static services.
    pub id: Option<String>,
    /// `swarm` or `file`.
    pub provider: &'static str,
    /// `replicated`, `global`, `static`, or the Swarm mode's name.
    pub mode: String,
    pub replicas: Option<u64>,
    #[serde(flatten)]
    pub status: ServiceStatus,
    /// The network hawser reaches the tasks on.
    pub network: Option<String>,
    pub routes: Vec<String>,
    pub tasks: Vec<TaskReport>,
    pub warnings: Vec<String>,
    /// The label dialect the service is read in; `None` when it could not be told.
    pub dialect: Option<Dialect>,
    /// Routers of the service that are not exposed while the rest of it is (v2/v3 labels).
    pub skipped_routers: Vec<SkippedRouter>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRouter {
    /// `name@swarm`.
    pub router: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    /// `routed`, `skipped` or `disabled`.
    pub status: &'static str,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskReport {
    pub id: String,
    pub slot: Option<u64>,
    pub node_id: Option<String>,
    pub node: Option<String>,
    pub desired_state: String,
    pub state: String,
    /// The task's address on the service's chosen network.
    pub address: Option<IpAddr>,
    /// Running as desired, so it gets traffic.
    pub serving: bool,
}

impl ServiceStatus {
    pub fn routed() -> Self {
        ServiceStatus {
            status: "routed",
            reason: None,
        }
    }

    /// Skipped for a reason already written out (every router of a v2/v3 service failed).
    pub fn skipped_because(reason: String) -> Self {
        ServiceStatus {
            status: "skipped",
            reason: Some(reason),
        }
    }

    pub fn skipped(reason: &SkipReason) -> Self {
        let status = match reason.is_intentional() {
            true => "disabled",
            false => "skipped",
        };
        ServiceStatus {
            status,
            reason: Some(reason.to_string()),
        }
    }
}

impl ServiceReport {
    pub fn for_service(service: &Service, warnings: Vec<String>) -> Self {
        let (mode, replicas) = match &service.mode {
            ServiceMode::Replicated { replicas } => ("replicated".to_owned(), Some(*replicas)),
            ServiceMode::Global => ("global".to_owned(), None),
            ServiceMode::Other { name } => (name.clone(), None),
        };
        ServiceReport {
            name: service.name.clone(),
            id: Some(service.id.clone()),
            provider: "swarm",
            mode,
            replicas,
            status: ServiceStatus::routed(),
            network: None,
            routes: Vec::new(),
            tasks: Vec::new(),
            warnings,
            dialect: None,
            skipped_routers: Vec::new(),
        }
    }

    pub fn for_static(service: &StaticService, name: &str) -> Self {
        ServiceReport {
            name: name.to_owned(),
            id: None,
            provider: "file",
            mode: "static".to_owned(),
            replicas: Some(service.backends.len() as u64),
            status: ServiceStatus::routed(),
            network: None,
            routes: Vec::new(),
            tasks: Vec::new(),
            warnings: Vec::new(),
            dialect: Some(Dialect::V1),
            skipped_routers: Vec::new(),
        }
    }
}

impl TaskReport {
    pub fn new(task: &Task, nodes: &HashMap<&str, &Node>, network: Option<&Network>) -> Self {
        let node = task.node_id.as_deref().and_then(|id| nodes.get(id));
        let address = network.and_then(|network| {
            task.addresses
                .iter()
                .find(|address| address.network_id == network.id)
                .map(|address| address.ip)
        });
        TaskReport {
            id: task.id.clone(),
            slot: task.slot,
            node_id: task.node_id.clone(),
            node: node.map(|node| node.hostname.clone()),
            desired_state: task.desired_state.clone(),
            state: task.state.clone(),
            address,
            serving: task.is_serving() && !node.is_some_and(|node| node.is_down()),
        }
    }
}
