//! The publisher: every provider's part merged, compiled, and published whenever a provider
//! sends news. The table itself is swapped only when the compiled spec changed (see
//! [`crate::published`]), so a quiet swarm never churns; each skipped service or warning is
//! logged once, when it appears.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::discovery::Providers;
use crate::routing::{RoutingSettings, RoutingSpec, compile};
use crate::state::SharedState;

/// What has been logged already.
#[derive(Default)]
struct Reported {
    /// Service and reason: a service may have several routes skipped for different reasons.
    skipped: BTreeSet<(String, String)>,
    warnings: BTreeSet<(String, String)>,
}

pub async fn run(
    mut providers: Providers,
    settings: RoutingSettings,
    state: Arc<SharedState>,
    shutdown: CancellationToken,
) {
    let mut reported = Reported::default();
    loop {
        let snapshot = providers.merged();
        let compiled = compile(&snapshot, &settings);
        report(&compiled.spec, &mut reported);
        if let Some(generation) = state.published.publish(compiled, snapshot.synced) {
            let table = state.published.table();
            let backends: usize = table.spec.balancers.values().map(Vec::len).sum();
            info!(
                generation,
                routes = table.routes().len(),
                backends,
                "routing table updated"
            );
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = providers.changed() => if !changed { return },
        }
    }
}

fn report(spec: &RoutingSpec, reported: &mut Reported) {
    let mut skipped = BTreeSet::new();
    for service in &spec.skipped {
        let key = (service.service.clone(), service.reason.clone());
        if !reported.skipped.contains(&key) {
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
        skipped.insert(key);
    }
    let still_skipped: BTreeSet<&str> = skipped
        .iter()
        .map(|(service, _)| service.as_str())
        .collect();
    let was_skipped: BTreeSet<&str> = reported
        .skipped
        .iter()
        .map(|(service, _)| service.as_str())
        .collect();
    for service in was_skipped.difference(&still_skipped) {
        info!(service, "service no longer skipped");
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
