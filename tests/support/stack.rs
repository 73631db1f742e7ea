//! The seed's stack on loopback: a fake Engine API describing it, and real servers at its
//! `ping` and `hello` task addresses, plus spare addresses for tasks a test adds later.

use std::net::{IpAddr, Ipv4Addr};

use super::backend::{Backend, Kind, bind_same_port, serve};
use super::fake_docker::{FakeDocker, Swarm};
use super::swarm::{new_service, new_task, seed_on_loopback, serving_addresses};

pub struct Stack {
    pub docker: FakeDocker,
    pub port: u16,
    pub ping: Vec<Backend>,
    pub hello: Vec<Backend>,
    pub spares: Vec<Backend>,
}

/// Serves the seed stack; `spares` get hello servers but no task until [`Stack::add_task`].
pub async fn seed_stack(spares: &[Ipv4Addr]) -> Stack {
    seed_stack_relabelled(spares, |_, _| {}).await
}

/// [`seed_stack`] with the swarm edited before the fake Engine API serves it; `relabel` gets
/// the port the task servers listen on.
pub async fn seed_stack_relabelled(
    spares: &[Ipv4Addr],
    relabel: impl FnOnce(&mut Swarm, u16),
) -> Stack {
    let layout = seed_on_loopback(1);
    let ping_ips = serving_addresses(&layout, "demo_ping");
    let hello_ips = serving_addresses(&layout, "demo_hello");
    assert_eq!(
        (ping_ips.len(), hello_ips.len()),
        (3, 2),
        "the fixture's running tasks"
    );
    let all: Vec<IpAddr> = ping_ips
        .iter()
        .chain(&hello_ips)
        .copied()
        .chain(spares.iter().map(|&ip| IpAddr::V4(ip)))
        .collect();
    let (port, mut listeners) = bind_same_port(&all).await;
    let spare_listeners = listeners.split_off(ping_ips.len() + hello_ips.len());
    let hello_listeners = listeners.split_off(ping_ips.len());
    let start =
        |listeners: Vec<tokio::net::TcpListener>, prefix: &str, kind: Kind| -> Vec<Backend> {
            listeners
                .into_iter()
                .map(|listener| {
                    let name = format!("{prefix}-{}", listener.local_addr().expect("address").ip());
                    serve(listener, &name, kind)
                })
                .collect()
        };
    let mut swarm = seed_on_loopback(port);
    relabel(&mut swarm, port);
    Stack {
        docker: FakeDocker::start(swarm).await,
        port,
        ping: start(listeners, "ping", Kind::Ping),
        hello: start(hello_listeners, "hello", Kind::Hello),
        spares: start(spare_listeners, "spare", Kind::Hello),
    }
}

impl Stack {
    /// Adds a running `demo_hello` task at `address`.
    pub fn add_task(&self, id: &str, slot: u64, address: Ipv4Addr) {
        self.docker.edit(|swarm| {
            let task = new_task(swarm, "demo_hello", id, slot, address);
            swarm.tasks.push(task);
        });
    }

    /// Adds service `name` on `demo_apps` with these labels (`traefik.port` and the network
    /// filled in) and one running task at `address`, a spare's.
    pub fn add_service(&self, name: &str, labels: &[(&str, &str)], address: Ipv4Addr) {
        let mut all = serde_json::Map::new();
        all.insert("traefik.port".into(), self.port.to_string().into());
        all.insert("traefik.docker.network".into(), "demo_apps".into());
        for (key, value) in labels {
            all.insert((*key).to_owned(), (*value).into());
        }
        let id = format!("{name}-id");
        self.docker.edit(|swarm| {
            let service = new_service(swarm, name, &id, serde_json::Value::Object(all));
            let mut task = new_task(swarm, "demo_hello", &format!("{name}-task"), 1, address);
            task["ServiceID"] = id.clone().into();
            swarm.services.push(service);
            swarm.tasks.push(task);
        });
    }

    /// As [`Stack::add_service`], in v2/v3 labels: the service `name`'s port and the network
    /// (`traefik.swarm.network`) filled in, no v1 label.
    pub fn add_v3_service(&self, name: &str, labels: &[(&str, &str)], address: Ipv4Addr) {
        let mut all = serde_json::Map::new();
        all.insert(
            format!("traefik.http.services.{name}.loadbalancer.server.port"),
            self.port.to_string().into(),
        );
        all.insert("traefik.swarm.network".into(), "demo_apps".into());
        for (key, value) in labels {
            all.insert((*key).to_owned(), (*value).into());
        }
        let id = format!("{name}-id");
        self.docker.edit(|swarm| {
            let service = new_service(swarm, name, &id, serde_json::Value::Object(all));
            let mut task = new_task(swarm, "demo_hello", &format!("{name}-task"), 1, address);
            task["ServiceID"] = id.clone().into();
            swarm.services.push(service);
            swarm.tasks.push(task);
        });
    }

    pub fn remove_task(&self, id: &str) {
        self.docker
            .edit(|swarm| swarm.tasks.retain(|task| task["ID"] != id));
    }
}
