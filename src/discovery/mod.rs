//! Providers of the cluster: the Docker Engine API (the swarm) and a static file. The only
//! module that talks to Docker, and the only one that uses bollard.
//!
//! - [`endpoint`] parses `--docker-host`; [`transport`] is the one HTTP client to it;
//! - [`docker`] negotiates the API version, lists the swarm and follows events, decoding lists
//!   with the lean types in `wire` into the plain [`crate::cluster`] model;
//! - [`swarm`] is the swarm provider: events as triggers, adaptive polling, backoff, reporting
//!   into [`status`];
//! - [`file`] is the static file provider; [`state_file`] keeps the swarm's last good listing
//!   on disk for a restart while the API is away;
//! - [`providers`] gives each provider a channel of its own and merges their parts.

pub mod docker;
pub mod endpoint;
mod error;
pub mod file;
pub mod providers;
pub mod state_file;
pub mod status;
pub mod swarm;
pub mod transport;
mod wire;

/// The Engine API list decoders, public only so that the fuzz targets (`fuzz/`) can reach
/// them: not part of hawser's API.
#[doc(hidden)]
pub use wire::{ListBodies, decode_listing};

pub use endpoint::{DockerEndpoint, TlsFiles};
pub use error::DiscoveryError;
pub use providers::Providers;
pub use state_file::StateFile;
pub use status::DiscoveryStatus;
pub use swarm::{PollSettings, SwarmProvider};
