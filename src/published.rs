//! The published routing state: one writer (the publisher), many readers (every proxy worker
//! and the admin API), none of which ever locks.
//!
//! [`Published::publish`] is the only way in, and does a whole update in its one right order:
//! the services view, then (only when the routes changed) the new table and the pruning of
//! counters no table uses, then the notice. A reader told about a generation can therefore
//! always load it.

use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};
use tokio::sync::watch;

use crate::cluster::ClusterSnapshot;
use crate::routing::{Compiled, RoutingSettings, RoutingTable, ServiceReport, compile};
use crate::stats::StatsRegistry;

/// What the last publication said: the table's generation, and whether it was built from
/// every provider's complete listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Publication {
    pub generation: u64,
    pub complete: bool,
}

pub struct Published {
    table: ArcSwap<RoutingTable>,
    /// Changes whenever a listing does (a task starting changes it, not the routes).
    services: ArcSwap<Vec<ServiceReport>>,
    /// Routes and backends find their counters here, so counts survive table swaps.
    stats: StatsRegistry,
    notices: watch::Sender<Publication>,
}

impl Published {
    /// Starts with generation 0: what an empty cluster compiles to, served until the first
    /// listing (an unchanged empty cluster then publishes nothing new).
    pub fn new(settings: &RoutingSettings) -> Self {
        let stats = StatsRegistry::default();
        let empty = compile(&ClusterSnapshot::default(), settings).spec;
        Published {
            table: ArcSwap::from_pointee(RoutingTable::build(empty, 0, &stats)),
            services: ArcSwap::from_pointee(Vec::new()),
            stats,
            notices: watch::Sender::new(Publication::default()),
        }
    }

    /// The current table; requests keep the one they loaded until they finish.
    pub fn table(&self) -> Guard<Arc<RoutingTable>> {
        self.table.load()
    }

    /// Every service of the last listing, routed or not.
    pub fn services(&self) -> Arc<Vec<ServiceReport>> {
        self.services.load_full()
    }

    /// Publishes what the publisher compiled. The table is rebuilt and swapped only when its
    /// spec changed; returns the new generation when it was.
    pub fn publish(&self, compiled: Compiled, complete: bool) -> Option<u64> {
        self.services.store(Arc::new(compiled.services));
        let current = self.table.load();
        let swapped = (current.spec != compiled.spec).then(|| {
            let generation = current.generation + 1;
            let table = RoutingTable::build(compiled.spec, generation, &self.stats);
            self.table.store(Arc::new(table));
            self.stats.prune();
            generation
        });
        let publication = Publication {
            generation: swapped.unwrap_or(current.generation),
            complete: complete || self.notices.borrow().complete,
        };
        self.notices.send_if_modified(|last| {
            let changed = *last != publication;
            *last = publication;
            changed
        });
        swapped
    }

    /// Notices of new generations, and of the first complete table.
    pub fn subscribe(&self) -> watch::Receiver<Publication> {
        self.notices.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::compile::SkippedService;
    use crate::routing::compile::tests::settings;

    fn compiled(skipped: &str) -> Compiled {
        let mut compiled = compile(&ClusterSnapshot::default(), &settings());
        compiled.spec.skipped.push(SkippedService {
            service: skipped.into(),
            router: None,
            reason: "test".into(),
            intentional: false,
        });
        compiled
    }

    #[test]
    fn an_empty_cluster_publishes_nothing_new() {
        let published = Published::new(&settings());
        let empty = compile(&ClusterSnapshot::default(), &settings());
        assert_eq!(published.publish(empty, true), None);
        assert_eq!(published.table().generation, 0);
        assert!(published.subscribe().borrow().complete);
    }

    #[test]
    fn a_table_is_swapped_only_when_its_spec_changes() {
        let published = Published::new(&settings());
        let notices = published.subscribe();
        assert_eq!(published.publish(compiled("a"), false), Some(1));
        assert_eq!(published.publish(compiled("a"), false), None, "same spec");
        assert_eq!(published.table().generation, 1);
        assert_eq!(published.publish(compiled("b"), false), Some(2));
        assert_eq!(published.table().spec.skipped[0].service, "b");
        assert_eq!(
            *notices.borrow(),
            Publication {
                generation: 2,
                complete: false
            }
        );
    }

    #[test]
    fn completeness_is_announced_once_and_stays() {
        let published = Published::new(&settings());
        let mut notices = published.subscribe();
        published.publish(compiled("a"), false);
        assert!(notices.has_changed().expect("open"));
        assert!(!notices.borrow_and_update().complete);
        published.publish(compiled("a"), true);
        assert!(
            notices.has_changed().expect("open"),
            "unchanged table, now complete"
        );
        assert!(notices.borrow_and_update().complete);
        published.publish(compiled("a"), false);
        assert!(!notices.has_changed().expect("open"));
        assert!(notices.borrow().complete);
    }
}
