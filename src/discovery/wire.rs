//! Lean decoders for the Engine API's list responses, reading only what routing needs.
//!
//! Each element of a list is decoded on its own: one object that does not fit is reported and
//! left out, and the rest of the swarm keeps its routes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::DiscoveryError;
use crate::cluster::{
    ClusterSnapshot, Network, Node, Service, ServiceMode, Task, TaskAddress, VirtualIp,
};

/// The bodies of the four list responses one listing of the swarm is made of.
#[derive(Clone, Copy, Debug)]
pub struct ListBodies<'a> {
    pub services: &'a [u8],
    pub tasks: &'a [u8],
    pub networks: &'a [u8],
    pub nodes: &'a [u8],
}

/// One full listing, plus the objects that could not be decoded.
#[derive(Debug)]
pub struct Listing {
    pub snapshot: ClusterSnapshot,
    pub problems: Vec<String>,
}

/// Decodes a listing's four responses into the model. A body that is not a JSON array fails
/// the listing; an element that does not fit is left out with a problem saying why.
pub fn decode_listing(bodies: ListBodies<'_>) -> Result<Listing, DiscoveryError> {
    let mut problems = Vec::new();
    let snapshot = ClusterSnapshot {
        services: decode_into::<ServiceJson, _>(bodies.services, "service", &mut problems)?,
        tasks: decode_into::<TaskJson, _>(bodies.tasks, "task", &mut problems)?,
        networks: decode_into::<NetworkJson, _>(bodies.networks, "network", &mut problems)?,
        nodes: decode_into::<NodeJson, _>(bodies.nodes, "node", &mut problems)?,
        static_services: Vec::new(),
        synced: true,
    };
    Ok(Listing { snapshot, problems })
}

/// One list decoded and converted into the model, its problems added to `problems`.
fn decode_into<J: DeserializeOwned, M: From<J>>(
    body: &[u8],
    what: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<M>, DiscoveryError> {
    let (items, found) = decode_list::<J>(body, what).map_err(|err| DiscoveryError::Decode {
        what: format!("{what} list"),
        reason: err.to_string(),
    })?;
    problems.extend(found);
    Ok(items.into_iter().map(M::from).collect())
}

/// Decodes a JSON array element by element; returns what decoded and a message per failure.
fn decode_list<T: DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<(Vec<T>, Vec<String>), serde_json::Error> {
    let raw: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    let mut items = Vec::with_capacity(raw.len());
    let mut problems = Vec::new();
    for (position, value) in raw.into_iter().enumerate() {
        let id = value
            .get("ID")
            .or_else(|| value.get("Id"))
            .and_then(|id| id.as_str())
            .map(str::to_owned);
        match serde_json::from_value::<T>(value) {
            Ok(item) => items.push(item),
            Err(err) => problems.push(format!(
                "{what} #{position} ({}) left out: {err}",
                id.as_deref().unwrap_or("no ID")
            )),
        }
    }
    Ok((items, problems))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceJson {
    #[serde(rename = "ID")]
    id: String,
    spec: ServiceSpecJson,
    update_status: Option<UpdateStatusJson>,
    endpoint: Option<EndpointJson>,
}

/// `Endpoint`: the service's virtual IPs, one per network (none in dnsrr mode).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EndpointJson {
    #[serde(rename = "VirtualIPs")]
    virtual_ips: Option<Vec<VirtualIpJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VirtualIpJson {
    #[serde(rename = "NetworkID")]
    network_id: Option<String>,
    addr: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceSpecJson {
    name: String,
    labels: Option<BTreeMap<String, String>>,
    task_template: Option<TaskTemplateJson>,
    mode: Option<ModeJson>,
    /// Deprecated location of the networks, still filled by old clients.
    networks: Option<Vec<NetworkTargetJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TaskTemplateJson {
    container_spec: Option<ContainerSpecJson>,
    networks: Option<Vec<NetworkTargetJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerSpecJson {
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NetworkTargetJson {
    target: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModeJson {
    replicated: Option<ReplicatedJson>,
    global: Option<serde_json::Value>,
    replicated_job: Option<serde_json::Value>,
    global_job: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReplicatedJson {
    replicas: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateStatusJson {
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TaskJson {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "ServiceID")]
    service_id: String,
    slot: Option<u64>,
    #[serde(rename = "NodeID")]
    node_id: Option<String>,
    desired_state: Option<String>,
    status: Option<TaskStatusJson>,
    networks_attachments: Option<Vec<AttachmentJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TaskStatusJson {
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentJson {
    network: AttachedNetworkJson,
    addresses: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedNetworkJson {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NetworkJson {
    id: String,
    name: String,
    ingress: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NodeJson {
    #[serde(rename = "ID")]
    id: String,
    description: Option<NodeDescriptionJson>,
    status: Option<NodeStatusJson>,
    spec: Option<NodeSpecJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NodeDescriptionJson {
    hostname: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NodeStatusJson {
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NodeSpecJson {
    role: Option<String>,
}

impl From<ServiceJson> for Service {
    fn from(json: ServiceJson) -> Self {
        let spec = json.spec;
        let template = spec.task_template;
        let container_labels = template
            .as_ref()
            .and_then(|template| template.container_spec.as_ref())
            .and_then(|container| container.labels.clone())
            .unwrap_or_default();
        let mut networks: Vec<String> = template
            .and_then(|template| template.networks)
            .or(spec.networks)
            .unwrap_or_default()
            .into_iter()
            .map(|network| network.target)
            .collect();
        networks.sort();
        networks.dedup();
        let mode = match spec.mode {
            Some(ModeJson {
                replicated: Some(replicated),
                ..
            }) => ServiceMode::Replicated {
                replicas: replicated.replicas.unwrap_or(1),
            },
            Some(ModeJson {
                global: Some(_), ..
            }) => ServiceMode::Global,
            Some(ModeJson {
                replicated_job: Some(_),
                ..
            }) => ServiceMode::Other {
                name: "replicated-job".into(),
            },
            Some(ModeJson {
                global_job: Some(_),
                ..
            }) => ServiceMode::Other {
                name: "global-job".into(),
            },
            _ => ServiceMode::Replicated { replicas: 1 },
        };
        let updating = json
            .update_status
            .and_then(|status| status.state)
            .is_some_and(|state| matches!(state.as_str(), "updating" | "rollback_started"));
        let virtual_ips = json
            .endpoint
            .and_then(|endpoint| endpoint.virtual_ips)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|vip| {
                Some(VirtualIp {
                    network_id: vip.network_id?,
                    ip: parse_cidr_ip(&vip.addr?)?,
                })
            })
            .collect();
        Service {
            id: json.id,
            name: spec.name,
            labels: spec.labels.unwrap_or_default(),
            container_labels,
            networks,
            mode,
            updating,
            virtual_ips,
        }
    }
}

impl From<TaskJson> for Task {
    fn from(json: TaskJson) -> Self {
        let addresses = json
            .networks_attachments
            .unwrap_or_default()
            .into_iter()
            .flat_map(|attachment| {
                let network_id = attachment.network.id;
                attachment
                    .addresses
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(move |cidr| {
                        let ip = parse_cidr_ip(&cidr)?;
                        Some(TaskAddress {
                            network_id: network_id.clone(),
                            ip,
                        })
                    })
            })
            .collect();
        Task {
            id: json.id,
            service_id: json.service_id,
            slot: json.slot.filter(|&slot| slot > 0),
            node_id: json.node_id.filter(|node| !node.is_empty()),
            desired_state: json.desired_state.unwrap_or_default(),
            state: json
                .status
                .and_then(|status| status.state)
                .unwrap_or_default(),
            addresses,
        }
    }
}

/// `10.0.1.5/24` → `10.0.1.5`: Swarm writes addresses with their network's prefix length.
fn parse_cidr_ip(cidr: &str) -> Option<IpAddr> {
    cidr.split('/').next()?.parse().ok()
}

impl From<NetworkJson> for Network {
    fn from(json: NetworkJson) -> Self {
        Network {
            ingress: json.ingress.unwrap_or(json.name == "ingress"),
            id: json.id,
            name: json.name,
        }
    }
}

impl From<NodeJson> for Node {
    fn from(json: NodeJson) -> Self {
        Node {
            hostname: json
                .description
                .and_then(|description| description.hostname)
                .unwrap_or_else(|| json.id.clone()),
            id: json.id,
            state: json
                .status
                .and_then(|status| status.state)
                .unwrap_or_else(|| "unknown".into()),
            role: json
                .spec
                .and_then(|spec| spec.role)
                .unwrap_or_else(|| "worker".into()),
        }
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
