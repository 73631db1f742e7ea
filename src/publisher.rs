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
    /// Service, router (when one is skipped alone) and reason: a service may have several
    /// routes skipped for different reasons.
    skipped: BTreeSet<(String, Option<String>, String)>,
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
            let backends = table.spec.backend_count();
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
        let key = (
            service.service.clone(),
            service.router.clone(),
            service.reason.clone(),
        );
        if !reported.skipped.contains(&key) {
            match (&service.router, service.intentional) {
                (Some(router), _) => warn!(
                    service = service.service,
                    router,
                    reason = service.reason,
                    "router skipped"
                ),
                (None, true) => info!(
                    service = service.service,
                    reason = service.reason,
                    "service not routed"
                ),
                (None, false) => warn!(
                    service = service.service,
                    reason = service.reason,
                    "service skipped"
                ),
            }
        }
        skipped.insert(key);
    }
    let still_skipped: BTreeSet<(&str, Option<&str>)> = skipped
        .iter()
        .map(|(service, router, _)| (service.as_str(), router.as_deref()))
        .collect();
    let was_skipped: BTreeSet<(&str, Option<&str>)> = reported
        .skipped
        .iter()
        .map(|(service, router, _)| (service.as_str(), router.as_deref()))
        .collect();
    for (service, router) in was_skipped.difference(&still_skipped) {
        match router {
            Some(router) => info!(service, router, "router no longer skipped"),
            None => info!(service, "service no longer skipped"),
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
