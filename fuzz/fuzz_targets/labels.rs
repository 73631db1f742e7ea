//! Service labels, both dialects, through the compile entry point (`routing::compile`): a
//! snapshot of services written as text, a `# service NAME` line before each service's
//! `key=value` labels, e.g.
//!
//! ```text
//! # service web
//! traefik.http.routers.web.rule=Host(`web.example.com`)
//! traefik.http.services.web.loadbalancer.server.port=8080
//! ```
//!
//! Bytes after a NUL are the fuzzer's own request parts. Invariants: those of
//! `hawser_fuzz::swarm::compile_and_check` (deterministic and order-independent specs, routes
//! in priority order with unique names, the indexed lookup agreeing with a scan).
#![no_main]

use std::collections::BTreeMap;

use hawser_fuzz::split_rule_input;
use hawser_fuzz::swarm::{compile_and_check, snapshot};
use libfuzzer_sys::fuzz_target;

const MAX_SERVICES: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Some((text, parts)) = split_rule_input(data) else {
        return;
    };
    let mut services: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("# service ") {
            // Swarm service names are unique.
            if services.len() < MAX_SERVICES && !services.iter().any(|(known, _)| known == name) {
                services.push((name.to_owned(), BTreeMap::new()));
            }
            continue;
        }
        if services.is_empty() {
            services.push(("app".to_owned(), BTreeMap::new()));
        }
        if let (Some((_, labels)), Some((key, value))) = (services.last_mut(), line.split_once('='))
        {
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
    compile_and_check(&snapshot(services), &parts);
});
