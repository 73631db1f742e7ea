//! Snapshot → compiled spec → published table. The table is rebuilt and swapped only when the
//! spec changed, so a quiet swarm never churns, and each skipped service or warning is logged
//! once, when it appears.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::discovery::ClusterSnapshot;
use crate::routing::{RoutingSettings, RoutingSpec, RoutingTable, compile};
use crate::state::SharedState;

/// What has been logged already.
#[derive(Default)]
struct Reported {
    skipped: BTreeMap<String, String>,
    warnings: BTreeSet<(String, String)>,
}

pub async fn run(
    mut snapshots: watch::Receiver<ClusterSnapshot>,
    settings: RoutingSettings,
    state: Arc<SharedState>,
    shutdown: CancellationToken,
) {
    let mut reported = Reported::default();
    loop {
        let (compiled, synced) = {
            let snapshot = snapshots.borrow_and_update();
            (compile(&snapshot, &settings), snapshot.synced)
        };
        report(&compiled.spec, &mut reported);
        state.services.store(Arc::new(compiled.services));
        let current = state.table.load();
        if current.spec != compiled.spec {
            let generation = current.generation + 1;
            let table = RoutingTable::build(compiled.spec, generation, &state.stats);
            let backends: usize = table.spec.pools.values().map(Vec::len).sum();
            info!(
                generation,
                routes = table.routes().len(),
                backends,
                "routing table updated"
            );
            state.table.store(Arc::new(table));
            state.stats.prune();
            state.table_changes.send_replace(generation);
        }
        if synced {
            state
                .ready
                .send_if_modified(|ready| !std::mem::replace(ready, true));
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = snapshots.changed() => if changed.is_err() { return },
        }
    }
}

fn report(spec: &RoutingSpec, reported: &mut Reported) {
    let mut skipped = BTreeMap::new();
    for service in &spec.skipped {
        let known = reported.skipped.get(&service.service) == Some(&service.reason);
        if !known {
            if service.intentional {
                info!(
                    service = service.service,
                    reason = service.reason,
                    "service not routed"
                );
            } else {
                warn!(
                    service = service.service,
                    reason = service.reason,
                    "service skipped"
                );
            }
        }
        skipped.insert(service.service.clone(), service.reason.clone());
    }
    for service in reported.skipped.keys() {
        if !skipped.contains_key(service) {
            info!(service, "service no longer skipped");
        }
    }
    reported.skipped = skipped;
    let warnings: BTreeSet<(String, String)> = spec
        .warnings
        .iter()
        .map(|warning| (warning.service.clone(), warning.message.clone()))
        .collect();
    for (service, message) in warnings.difference(&reported.warnings) {
        warn!(service, "{message}");
    }
    reported.warnings = warnings;
}
