//! Which Traefik label dialect a service is written in, so that one reader reads it: v1
//! (`traefik.port`, `traefik.frontend.rule`, segments...) or v2/v3 (`traefik.http.routers...`).
//! Labels both dialects share (`enable`, `docker.network`) decide nothing; a service that
//! mixes the two is refused rather than half-read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::SkipReason;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Traefik v1 labels (and the static file provider, whose rules are v1's).
    V1,
    /// Traefik v2 and v3 labels: routers, services and middlewares.
    V3,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::V1 => "v1",
            Dialect::V3 => "v3",
        }
    }
}

/// What one label says about the dialect.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Shared,
    V1,
    V3,
    /// Under the prefix but neither dialect's: the chosen reader reports it.
    Neither,
}

/// The dialect of a service's labels. Services with no dialect-specific label are read as v1,
/// hawser's dialect before v3 support, so their reasons and routes stay what they were.
pub fn detect(labels: &BTreeMap<String, String>, prefix: &str) -> Result<Dialect, SkipReason> {
    let mut first_v1 = None;
    let mut first_v3 = None;
    for label in labels.keys() {
        let Some(key) = label
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            continue;
        };
        match classify(key) {
            Kind::V1 => {
                first_v1.get_or_insert(label);
            }
            Kind::V3 => {
                first_v3.get_or_insert(label);
            }
            Kind::Shared | Kind::Neither => {}
        }
    }
    match (first_v1, first_v3) {
        (Some(v1_label), Some(v3_label)) => Err(SkipReason::MixedDialects {
            v1_label: v1_label.clone(),
            v3_label: v3_label.clone(),
        }),
        (None, Some(_)) => Ok(Dialect::V3),
        _ => Ok(Dialect::V1),
    }
}

/// v3 keys are case-insensitive (paerser); v1 keys are exact (Traefik v1's label maps).
fn classify(key: &str) -> Kind {
    let first = key.split('.').next().unwrap_or(key);
    if key.eq_ignore_ascii_case("enable")
        || key.eq_ignore_ascii_case("docker.network")
        // v1's own spelling; the v3 reader reads it case-insensitively as lbswarm.
        || key == "docker.LBSwarm"
    {
        return Kind::Shared;
    }
    let v3_roots = ["http", "tcp", "udp", "swarm", "tls"];
    if v3_roots.iter().any(|root| first.eq_ignore_ascii_case(root))
        || key.eq_ignore_ascii_case("docker.lbswarm")
    {
        return Kind::V3;
    }
    if is_v1_key(key) {
        return Kind::V1;
    }
    Kind::Neither
}

/// v1's properties, unsegmented or after a segment name (`v1.7:provider/label/segment.go`:
/// `^traefik\.(.+?)\.(port|portIndex|portName|weight|protocol|backend|frontend\.(.+))$`).
fn is_v1_key(key: &str) -> bool {
    const PROPERTIES: [&str; 7] = [
        "port",
        "portIndex",
        "portName",
        "weight",
        "protocol",
        "backend",
        "tags",
    ];
    if PROPERTIES.contains(&key) || key.starts_with("frontend.") || key.starts_with("backend.") {
        return true;
    }
    key.split_once('.').is_some_and(|(segment, _)| {
        segment != "docker"
            && (PROPERTIES[..6]
                .iter()
                .any(|property| key.ends_with(&format!(".{property}")))
                || key.contains(".frontend."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_pairs(pairs: &[(&str, &str)]) -> Result<Dialect, SkipReason> {
        let labels = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        detect(&labels, "traefik")
    }

    #[test]
    fn v3_labels_are_read_by_the_v3_reader() {
        let cases: &[&[(&str, &str)]] = &[
            &[("traefik.http.routers.ping.rule", "PathPrefix(`/ping`)")],
            &[("traefik.HTTP.Services.s.loadbalancer.server.port", "80")],
            &[("traefik.http.middlewares.m.stripprefix.prefixes", "/a")],
            &[("traefik.tcp.routers.t.rule", "HostSNI(`*`)")],
            &[("traefik.udp.services.u.loadbalancer.server.port", "53")],
            &[
                ("traefik.swarm.network", "apps"),
                ("traefik.enable", "true"),
            ],
            &[("traefik.docker.lbswarm", "true")],
            &[(
                "traefik.tls.stores.default.defaultcertificate.certfile",
                "x",
            )],
        ];
        for labels in cases {
            assert_eq!(detect_pairs(labels), Ok(Dialect::V3), "{labels:?}");
        }
    }

    #[test]
    fn v1_labels_and_shared_ones_are_read_by_the_v1_reader() {
        let cases: &[&[(&str, &str)]] = &[
            &[("traefik.port", "80"), ("traefik.frontend.rule", "Path:/")],
            &[
                ("traefik.web.frontend.rule", "Path:/"),
                ("traefik.web.port", "1"),
            ],
            &[("traefik.backend.loadbalancer.method", "drr")],
            &[("traefik.docker.LBSwarm", "true"), ("traefik.port", "80")],
            &[("traefik.enable", "false")],
            &[("traefik.docker.network", "apps")],
            &[("traefik.unknown", "x"), ("other.http.routers.r.rule", "x")],
            &[],
        ];
        for labels in cases {
            assert_eq!(detect_pairs(labels), Ok(Dialect::V1), "{labels:?}");
        }
    }

    #[test]
    fn both_dialects_name_one_label_of_each() {
        let reason = detect_pairs(&[
            ("traefik.enable", "true"),
            ("traefik.frontend.rule", "Path:/"),
            ("traefik.http.routers.r.rule", "Path(`/`)"),
            ("traefik.port", "80"),
            ("traefik.swarm.network", "apps"),
        ])
        .expect_err("mixed");
        assert_eq!(
            reason,
            SkipReason::MixedDialects {
                v1_label: "traefik.frontend.rule".into(),
                v3_label: "traefik.http.routers.r.rule".into(),
            }
        );
        assert!(reason.to_string().contains("traefik.frontend.rule"));
        assert!(reason.to_string().contains("traefik.http.routers.r.rule"));
    }

    #[test]
    fn a_service_port_label_in_v3_is_not_mistaken_for_a_v1_segment() {
        let labels = [
            ("traefik.http.services.s.loadbalancer.server.port", "80"),
            ("traefik.http.routers.r.service", "s"),
        ];
        assert_eq!(detect_pairs(&labels), Ok(Dialect::V3));
    }
}
