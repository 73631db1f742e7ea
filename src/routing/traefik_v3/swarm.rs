//! The Swarm provider's own labels, outside the routing configuration: `enable` (over
//! `--exposed-by-default`), the network (`traefik.swarm.network`, or v2's
//! `traefik.docker.network`) and `lbswarm` (`pkg/provider/docker/shared_labels.go`).

use std::net::SocketAddr;

use super::labels::{DecodedLabels, Labelled};
use super::provider::ProviderSettings;
use crate::cluster::{Network, Service};
use crate::routing::SkipReason;
use crate::routing::options::parse_bool;
use crate::routing::spec::BackendDef;

/// `traefik.enable` over `--exposed-by-default` (Traefik's `keepContainer`).
pub fn check_enabled(
    decoded: &DecodedLabels<'_>,
    settings: &ProviderSettings<'_>,
) -> Result<(), SkipReason> {
    let enabled = match decoded.enable {
        None => settings.exposed_by_default,
        Some(Labelled { label, value }) => match parse_bool(value) {
            Some(true) => true,
            Some(false) => {
                return Err(SkipReason::Disabled {
                    label: label.to_owned(),
                    value: value.to_owned(),
                });
            }
            None => {
                return Err(SkipReason::BadValue {
                    label: label.to_owned(),
                    value: value.to_owned(),
                    expected: "a boolean (true or false)",
                });
            }
        },
    };
    if !enabled {
        return Err(SkipReason::NotEnabled {
            label: format!("{}.enable", settings.prefix),
        });
    }
    Ok(())
}

/// `traefik.swarm.*` (v3.2+) or `traefik.docker.*` (v2, v3.0-3.1), never both.
pub struct ProviderLabels<'a> {
    pub network: Option<Labelled<'a>>,
    /// The `lbswarm=true` label, when set.
    pub lbswarm: Option<&'a str>,
}

impl<'a> ProviderLabels<'a> {
    pub fn read(decoded: &DecodedLabels<'a>) -> Result<Self, SkipReason> {
        let swarm = decoded.swarm_network.or(decoded.swarm_lbswarm);
        let docker = decoded.docker_network.or(decoded.docker_lbswarm);
        if let (Some(swarm), Some(docker)) = (swarm, docker) {
            return Err(SkipReason::BothProviderLabels {
                swarm_label: swarm.label.to_owned(),
                docker_label: docker.label.to_owned(),
            });
        }
        let lbswarm = match decoded.swarm_lbswarm.or(decoded.docker_lbswarm) {
            None => None,
            Some(Labelled { label, value }) => match parse_bool(value) {
                Some(true) => Some(label),
                Some(false) => None,
                None => {
                    return Err(SkipReason::BadValue {
                        label: label.to_owned(),
                        value: value.to_owned(),
                        expected: "a boolean (true or false)",
                    });
                }
            },
        };
        Ok(ProviderLabels {
            network: decoded.swarm_network.or(decoded.docker_network),
            lbswarm,
        })
    }
}

/// One server at the service's virtual IP on `network` (Traefik's lbswarm).
pub fn virtual_ip_backend(
    service: &Service,
    network: &Network,
    port: u16,
    weight: u32,
    label: &str,
) -> Result<BackendDef, SkipReason> {
    let vip = service
        .virtual_ips
        .iter()
        .find(|vip| vip.network_id == network.id)
        .ok_or_else(|| SkipReason::NoVirtualIp {
            label: label.to_owned(),
            network: network.name.clone(),
        })?;
    Ok(BackendDef {
        task_id: None,
        service: service.name.clone(),
        slot: None,
        node_id: None,
        node: None,
        address: SocketAddr::new(vip.ip, port),
        weight,
    })
}

#[cfg(test)]
#[path = "swarm_tests.rs"]
mod tests;
