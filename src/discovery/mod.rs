//! Docker Engine API (or a static file) → [`ClusterSnapshot`]. The only module that talks to
//! Docker, and the only one that uses bollard.
//!
//! - [`endpoint`] parses `--docker-host`; [`transport`] is the one HTTP client to it;
//! - [`docker`] negotiates the API version, lists the swarm and follows events, decoding lists
//!   with the lean types in [`wire`] into the plain [`model`];
//! - [`watch`] keeps the published snapshot current (events as triggers, adaptive polling,
//!   backoff), reporting into [`status`];
//! - [`file`] adds static services from a TOML file.

pub mod docker;
pub mod endpoint;
mod error;
pub mod file;
pub mod model;
pub mod status;
pub mod transport;
pub mod watch;
mod wire;

pub use endpoint::{DockerEndpoint, TlsFiles};
pub use error::DiscoveryError;
pub use model::ClusterSnapshot;
pub use status::DiscoveryStatus;
pub use watch::{DockerWatcher, PollSettings};
