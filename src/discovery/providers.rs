//! The one place providers' parts of the cluster are merged.
//!
//! Each provider (the swarm, the static file, any later one) owns a channel of its own and
//! publishes only its part; it never sees the others'. A new provider is a new file that is
//! given a channel by [`Providers::register`]; nothing here changes.

use std::pin::Pin;

use futures_util::future::select_all;
use tokio::sync::watch;

use crate::cluster::ClusterSnapshot;

/// The latest part from every provider.
#[derive(Default)]
pub struct Providers {
    parts: Vec<Part>,
}

struct Part {
    latest: watch::Receiver<ClusterSnapshot>,
    /// The provider stopped; its last part still counts.
    ended: bool,
}

impl Providers {
    /// A channel for one more provider. Its part is empty and not synced until it sends one.
    pub fn register(&mut self) -> watch::Sender<ClusterSnapshot> {
        let sender = watch::Sender::new(ClusterSnapshot::default());
        self.parts.push(Part {
            latest: sender.subscribe(),
            ended: false,
        });
        sender
    }

    /// Every provider's latest part, merged; from now on [`Providers::changed`] waits for news.
    pub fn merged(&mut self) -> ClusterSnapshot {
        let parts: Vec<_> = self
            .parts
            .iter_mut()
            .map(|part| part.latest.borrow_and_update())
            .collect();
        ClusterSnapshot::merge(parts.iter().map(|part| &**part))
    }

    /// Waits until some provider sends a new part. False once every provider has ended.
    pub async fn changed(&mut self) -> bool {
        loop {
            let waiting: Vec<(usize, Pin<Box<_>>)> = self
                .parts
                .iter_mut()
                .enumerate()
                .filter(|(_, part)| !part.ended)
                .map(|(index, part)| (index, Box::pin(part.latest.changed())))
                .collect();
            if waiting.is_empty() {
                return false;
            }
            let (indices, futures): (Vec<usize>, Vec<_>) = waiting.into_iter().unzip();
            let (result, position, _) = select_all(futures).await;
            if result.is_ok() {
                return true;
            }
            self.parts[indices[position]].ended = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cluster::Network;

    fn network(name: &str) -> Network {
        Network {
            id: name.into(),
            name: name.into(),
            ingress: false,
        }
    }

    #[tokio::test]
    async fn each_provider_sends_its_part_and_the_merge_sees_both() {
        let mut providers = Providers::default();
        let swarm = providers.register();
        let file = providers.register();
        assert!(!providers.merged().synced, "nothing listed yet");
        swarm.send_replace(ClusterSnapshot {
            networks: vec![network("apps")],
            synced: true,
            ..ClusterSnapshot::default()
        });
        assert!(providers.changed().await);
        let merged = providers.merged();
        assert_eq!(merged.networks, vec![network("apps")]);
        assert!(!merged.synced, "the file part is not in yet");
        file.send_replace(ClusterSnapshot {
            synced: true,
            ..ClusterSnapshot::default()
        });
        assert!(providers.changed().await);
        assert!(providers.merged().synced);
    }

    #[tokio::test]
    async fn an_ended_provider_keeps_its_part_and_the_others_are_still_heard() {
        let mut providers = Providers::default();
        let file = providers.register();
        let swarm = providers.register();
        file.send_replace(ClusterSnapshot {
            networks: vec![network("static")],
            synced: true,
            ..ClusterSnapshot::default()
        });
        drop(file);
        assert!(providers.changed().await);
        providers.merged();
        let waiting = tokio::time::timeout(Duration::from_millis(50), providers.changed()).await;
        assert!(waiting.is_err(), "an ended provider is not news");
        swarm.send_replace(ClusterSnapshot {
            networks: vec![network("apps")],
            synced: true,
            ..ClusterSnapshot::default()
        });
        assert!(providers.changed().await);
        assert_eq!(providers.merged().networks.len(), 2);
        drop(swarm);
        assert!(!providers.changed().await, "every provider ended");
    }
}
