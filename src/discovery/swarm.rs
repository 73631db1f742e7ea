//! The swarm provider: keeps its part of the cluster (services, tasks, networks, nodes) in
//! step with the swarm.
//!
//! Swarm sends no task events, so events are only a trigger: any service, node, network or
//! container event re-lists at once. Between events the swarm is polled, fast while it is
//! converging (a task starting or stopping, a service updating, a recent event) and slowly
//! when it is quiet. When the API is unreachable the last snapshot stays published, retries
//! back off, and each change of state is logged once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::DiscoveryError;
use super::docker::DockerClient;
use super::endpoint::DockerEndpoint;
use super::state_file::StateFile;
use super::status::DiscoveryStatus;
use crate::cluster::ClusterSnapshot;

/// How often and how patiently discovery asks the API.
#[derive(Clone, Debug)]
pub struct PollSettings {
    /// Between listings while the swarm is quiet.
    pub quiet_interval: Duration,
    /// Between listings while the swarm converges.
    pub active_interval: Duration,
    /// How long after an event or a change polling stays fast.
    pub active_window: Duration,
    /// Per call to the API (a listing, the version check).
    pub request_timeout: Duration,
    /// First retry delay after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

/// Lists one Docker endpoint's swarm into its own part of the cluster, until shut down.
pub struct SwarmProvider {
    endpoint: DockerEndpoint,
    settings: PollSettings,
    part: watch::Sender<ClusterSnapshot>,
    status: watch::Sender<DiscoveryStatus>,
    state_file: Option<StateFile>,
}

/// Why a connected session ended.
enum SessionEnd {
    Shutdown,
    Failed(DiscoveryError),
}

impl SwarmProvider {
    /// `part` is this provider's channel (from [`super::Providers::register`]); `status` is
    /// what the admin API shows about discovery.
    pub fn new(
        endpoint: DockerEndpoint,
        settings: PollSettings,
        part: watch::Sender<ClusterSnapshot>,
        status: watch::Sender<DiscoveryStatus>,
    ) -> Self {
        SwarmProvider {
            endpoint,
            settings,
            part,
            status,
            state_file: None,
        }
    }

    /// Keeps the last good listing in `file`, and starts from it.
    pub fn with_state_file(mut self, file: StateFile) -> Self {
        self.state_file = Some(file);
        self
    }

    /// Publishes the saved listing, if there is one, until the API answers.
    fn restore(&self) {
        let Some(file) = &self.state_file else {
            return;
        };
        match file.load() {
            Ok(Some(restored)) => {
                info!(
                    path = %file.path().display(),
                    services = restored.snapshot.services.len(),
                    "serving the last good swarm listing from the state file until the Docker API answers"
                );
                let listed = ClusterSnapshot {
                    synced: true,
                    ..restored.snapshot
                };
                self.part.send_replace(listed);
                self.status.send_modify(|status| {
                    status.serving_saved_state = Some(restored.saved_at);
                });
            }
            Ok(None) => {
                debug!(path = %file.path().display(), "no state file yet");
            }
            Err(err) => warn!(error = %err, "the state file cannot be read; starting without it"),
        }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let endpoint = self.endpoint.to_string();
        self.status.send_modify(|status| {
            status.provider = "docker";
            status.endpoint = Some(endpoint.clone());
        });
        self.restore();
        let mut backoff = self.settings.backoff_min;
        let mut failing_since: Option<(Instant, u64)> = None;
        loop {
            let outcome =
                match DockerClient::connect(&self.endpoint, self.settings.request_timeout).await {
                    Ok(client) => {
                        info!(
                            endpoint,
                            engine = client.engine_version,
                            api = client.api_version,
                            "connected to the Docker Engine API"
                        );
                        self.status.send_modify(|status| {
                            status.engine_version = Some(client.engine_version.clone());
                            status.api_version = Some(client.api_version.clone());
                        });
                        self.session(
                            Arc::new(client),
                            &shutdown,
                            &mut backoff,
                            &mut failing_since,
                        )
                        .await
                    }
                    Err(err) => SessionEnd::Failed(err),
                };
            let err = match outcome {
                SessionEnd::Shutdown => return,
                SessionEnd::Failed(err) => err,
            };
            let message = err.to_string();
            match &mut failing_since {
                None => {
                    warn!(endpoint, error = %message, "Docker API unavailable; serving the last good routing table and retrying with backoff");
                    failing_since = Some((Instant::now(), 1));
                }
                Some((_, attempts)) => {
                    *attempts += 1;
                    debug!(endpoint, error = %message, attempts, "Docker API still unavailable");
                }
            }
            self.status.send_modify(|status| {
                status.reachable = false;
                status.events_connected = false;
                status.refresh_failures += 1;
                status.last_error = Some(message);
            });
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.settings.backoff_max);
        }
    }

    /// Lists the swarm until a call fails; returns why it stopped.
    async fn session(
        &self,
        client: Arc<DockerClient>,
        shutdown: &CancellationToken,
        backoff: &mut Duration,
        failing_since: &mut Option<(Instant, u64)>,
    ) -> SessionEnd {
        let trigger = Arc::new(Notify::new());
        let events = tokio::spawn(follow_events(
            client.clone(),
            trigger.clone(),
            self.status.clone(),
            self.settings.clone(),
            shutdown.child_token(),
        ));
        let _stop_events = AbortOnDrop(events);
        let mut active_until = Instant::now() + self.settings.active_window;
        let mut reported_problems: HashSet<String> = HashSet::new();
        loop {
            let started = Instant::now();
            let listing = match client.list().await {
                Ok(listing) => listing,
                Err(err) => return SessionEnd::Failed(err),
            };
            if let Some((since, attempts)) = failing_since.take() {
                info!(
                    endpoint = %self.endpoint,
                    after = ?since.elapsed(),
                    failed_attempts = attempts,
                    "Docker API reachable again; routing table resynchronised"
                );
            }
            *backoff = self.settings.backoff_min;
            for problem in &listing.problems {
                if reported_problems.insert(problem.clone()) {
                    warn!(problem = %problem, "left an object out of the swarm listing");
                }
            }
            reported_problems.retain(|problem| listing.problems.contains(problem));
            let converging = listing
                .snapshot
                .services
                .iter()
                .any(|service| service.updating)
                || listing
                    .snapshot
                    .tasks
                    .iter()
                    .any(|task| task.is_converging());
            let listed = listing.snapshot;
            let changed = self.publish(listed.clone());
            if changed {
                self.save(&listed);
            }
            if converging || changed {
                active_until = Instant::now() + self.settings.active_window;
            }
            let active = Instant::now() < active_until;
            self.status.send_modify(|status| {
                let now = SystemTime::now();
                status.reachable = true;
                status.last_error = None;
                status.serving_saved_state = None;
                status.refreshes += 1;
                status.last_refresh = Some(now);
                status.last_refresh_duration = Some(started.elapsed());
                status.refresh_durations.observe(started.elapsed());
                status.polling = if active { "active" } else { "quiet" };
                status.problems = listing.problems.clone();
                if changed {
                    status.last_change = Some(now);
                }
            });
            let interval = if active {
                self.settings.active_interval
            } else {
                self.settings.quiet_interval
            };
            tokio::select! {
                () = shutdown.cancelled() => return SessionEnd::Shutdown,
                () = tokio::time::sleep(interval) => {}
                () = trigger.notified() => {
                    active_until = Instant::now() + self.settings.active_window;
                }
            }
        }
    }

    /// Keeps a changed listing in the state file; a failure is a warning, never an outage.
    fn save(&self, listed: &ClusterSnapshot) {
        if let Some(file) = &self.state_file {
            if let Err(err) = file.save(listed) {
                warn!(error = %err, "the last good listing could not be saved");
            }
        }
    }

    /// Publishes a full listing as this provider's part; true when it changed.
    fn publish(&self, listed: ClusterSnapshot) -> bool {
        self.part.send_if_modified(|current| {
            let changed = *current != listed;
            if changed {
                *current = listed;
            }
            changed
        })
    }
}

/// Turns events into re-list triggers for as long as the session lasts, reopening the stream
/// with backoff when it ends (a daemon restart ends it) and re-listing once it is back, since
/// events may have been missed meanwhile.
async fn follow_events(
    client: Arc<DockerClient>,
    trigger: Arc<Notify>,
    status: watch::Sender<DiscoveryStatus>,
    settings: PollSettings,
    shutdown: CancellationToken,
) {
    let mut backoff = settings.backoff_min;
    let mut reopening = false;
    // Logged once per outage: cleared by the first event that arrives after it.
    let mut outage_logged = false;
    loop {
        let mut events = std::pin::pin!(client.events());
        status.send_modify(|status| status.events_connected = true);
        if reopening {
            debug!("reopening the Docker event stream");
            trigger.notify_one();
        }
        let ended = loop {
            let next = tokio::select! {
                () = shutdown.cancelled() => return,
                next = events.next() => next,
            };
            match next {
                Some(Ok(event)) => {
                    debug!(
                        kind = event.kind,
                        action = event.action,
                        name = event.name,
                        "docker event"
                    );
                    if outage_logged {
                        info!("Docker event stream is back");
                        outage_logged = false;
                    }
                    backoff = settings.backoff_min;
                    status.send_modify(|status| status.events_received += 1);
                    trigger.notify_one();
                }
                Some(Err(err)) => break err.to_string(),
                None => break "the stream ended".to_owned(),
            }
        };
        status.send_modify(|status| status.events_connected = false);
        if !outage_logged {
            warn!(reason = %ended, "Docker event stream closed; polling continues, reopening it with backoff");
            outage_logged = true;
        }
        reopening = true;
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(settings.backoff_max);
    }
}

/// Stops the event follower when its session ends, whichever way.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
