//! The seed's swarm from the captured fixtures, moved onto loopback so real test servers can
//! stand in for its tasks: overlay address `10.a.b.c` becomes `127.a.b.c`, and every service's
//! `traefik.port` becomes the port the test servers listen on.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Value, json};

use super::fake_docker::Swarm;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/docker-20.10-seed-stack"
);

pub fn fixture(name: &str) -> Value {
    let path = format!("{FIXTURES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn array(name: &str) -> Vec<Value> {
    fixture(name).as_array().cloned().expect("a JSON array")
}

/// The swarm exactly as captured.
pub fn seed() -> Swarm {
    Swarm {
        services: array("services.json"),
        tasks: array("tasks.json"),
        networks: array("networks.json"),
        nodes: array("nodes.json"),
        version: fixture("version.json"),
        failing: None,
    }
}

/// The seed swarm on loopback, services listening on `port`.
pub fn seed_on_loopback(port: u16) -> Swarm {
    let mut swarm = seed();
    for task in &mut swarm.tasks {
        for attachment in task["NetworksAttachments"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            for address in attachment["Addresses"].as_array_mut().into_iter().flatten() {
                if let Some(cidr) = address.as_str() {
                    *address = Value::String(loopback_cidr(cidr));
                }
            }
        }
    }
    for service in &mut swarm.services {
        if let Some(labels) = service["Spec"]["Labels"].as_object_mut() {
            if labels.contains_key("traefik.port") {
                labels.insert("traefik.port".into(), Value::String(port.to_string()));
            }
        }
    }
    swarm
}

fn loopback_cidr(cidr: &str) -> String {
    let (ip, prefix) = cidr.split_once('/').unwrap_or((cidr, "8"));
    let ip: Ipv4Addr = ip.parse().expect("an IPv4 task address");
    let [_, b, c, d] = ip.octets();
    format!("{}/{prefix}", Ipv4Addr::new(127, b, c, d))
}

/// The serving tasks' addresses (on loopback) for a service, by name.
pub fn serving_addresses(swarm: &Swarm, service_name: &str) -> Vec<IpAddr> {
    let service_id = service_id(swarm, service_name);
    swarm
        .tasks
        .iter()
        .filter(|task| task["ServiceID"] == service_id)
        .filter(|task| task["DesiredState"] == "running" && task["Status"]["State"] == "running")
        .filter_map(|task| address_on(task, "demo_apps"))
        .collect()
}

pub fn service_id(swarm: &Swarm, name: &str) -> Value {
    swarm
        .services
        .iter()
        .find(|service| service["Spec"]["Name"] == name)
        .map(|service| service["ID"].clone())
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn address_on(task: &Value, network: &str) -> Option<IpAddr> {
    task["NetworksAttachments"]
        .as_array()?
        .iter()
        .find(|attachment| attachment["Network"]["Spec"]["Name"] == network)?["Addresses"][0]
        .as_str()?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// A copy of one of the service's running tasks, with a new ID, slot and address.
pub fn new_task(
    swarm: &Swarm,
    service_name: &str,
    id: &str,
    slot: u64,
    address: Ipv4Addr,
) -> Value {
    let service_id = service_id(swarm, service_name);
    let mut task = swarm
        .tasks
        .iter()
        .find(|task| task["ServiceID"] == service_id && task["Status"]["State"] == "running")
        .cloned()
        .expect("a running task to copy");
    task["ID"] = json!(id);
    task["Slot"] = json!(slot);
    for attachment in task["NetworksAttachments"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        attachment["Addresses"] = json!([format!("{address}/8")]);
    }
    task
}

/// A service attached to `demo_apps` with the given labels.
pub fn new_service(swarm: &Swarm, name: &str, id: &str, labels: Value) -> Value {
    let mut service = swarm
        .services
        .iter()
        .find(|service| service["Spec"]["Name"] == "demo_hello")
        .cloned()
        .expect("the hello service to copy");
    service["ID"] = json!(id);
    service["Spec"]["Name"] = json!(name);
    service["Spec"]["Labels"] = labels;
    service
}

/// Replaces a service's `Spec.Labels` (a stack's `deploy.labels`).
pub fn set_labels(swarm: &mut Swarm, service_name: &str, labels: &[(&str, &str)]) {
    let service = swarm
        .services
        .iter_mut()
        .find(|service| service["Spec"]["Name"] == service_name)
        .unwrap_or_else(|| panic!("no service {service_name}"));
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::String((*value).to_owned())))
        .collect();
    service["Spec"]["Labels"] = Value::Object(labels);
}
