//! The Docker Engine API list decoders (`discovery::decode_listing`): the bodies of `/services`,
//! `/tasks`, `/networks` and `/nodes`, in that order, separated by NUL bytes (a missing one is
//! `[]`).
//!
//! Invariants: a listing fails exactly when a body is not a JSON array; otherwise every element
//! of each array is either decoded or reported as a problem (nothing is dropped silently), and
//! the snapshot compiles with the checks of `hawser_fuzz::swarm::compile_and_check`.
#![no_main]

use hawser::discovery::{ListBodies, decode_listing};
use hawser_fuzz::RequestParts;
use hawser_fuzz::swarm::compile_and_check;
use libfuzzer_sys::fuzz_target;

fn array_len(body: &[u8]) -> Option<usize> {
    serde_json::from_slice::<Vec<serde_json::Value>>(body)
        .ok()
        .map(|items| items.len())
}

fuzz_target!(|data: &[u8]| {
    let mut bodies = data.split(|&byte| byte == 0);
    let mut next = || {
        bodies
            .next()
            .filter(|body| !body.is_empty())
            .unwrap_or(b"[]")
    };
    let (services, tasks, networks, nodes) = (next(), next(), next(), next());
    let lengths = [services, tasks, networks, nodes].map(array_len);
    let listing = decode_listing(ListBodies {
        services,
        tasks,
        networks,
        nodes,
    });
    let listing = match listing {
        Ok(listing) => listing,
        Err(err) => {
            assert!(
                lengths.contains(&None),
                "a listing of four arrays failed: {err}"
            );
            return;
        }
    };
    let [Some(services), Some(tasks), Some(networks), Some(nodes)] = lengths else {
        panic!("a listing decoded though a body is not an array: {lengths:?}");
    };
    let snapshot = &listing.snapshot;
    let decoded = snapshot.services.len()
        + snapshot.tasks.len()
        + snapshot.networks.len()
        + snapshot.nodes.len();
    assert_eq!(
        decoded + listing.problems.len(),
        services + tasks + networks + nodes,
        "elements dropped without a problem: {:?}",
        listing.problems
    );
    assert!(snapshot.services.len() <= services && snapshot.tasks.len() <= tasks);
    assert!(snapshot.networks.len() <= networks && snapshot.nodes.len() <= nodes);
    compile_and_check(snapshot, &RequestParts::default());
});
