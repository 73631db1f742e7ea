#![forbid(unsafe_code)]
//! hawser: a Swarm-aware reverse proxy.
//!
//! # Layout
//!
//! Modules follow the data, from the Docker API to the bytes on a client's socket:
//!
//! - [`config`]: flags, `HAWSER_*` environment variables and an optional TOML file, validated
//!   once into [`config::Settings`].
//! - [`discovery`]: the only code that talks to Docker. Lists services, tasks, networks and
//!   nodes (events trigger a re-list, polling catches the rest) into a plain
//!   [`discovery::ClusterSnapshot`]; the static `--file` provider adds fixed routes.
//! - [`routing`]: pure and synchronous. Service labels (Traefik v1 dialect) become rules in a
//!   dialect-neutral matcher tree; a snapshot compiles to a [`routing::RoutingSpec`] and then
//!   an immutable, indexed [`routing::RoutingTable`].
//! - [`publish`]: compiles each new snapshot and swaps the published table only when it
//!   changed; logs skipped services once.
//! - [`state`]: the published table and counters shared by everyone ([`stats`] holds the
//!   counters that outlive tables).
//! - [`proxy`]: accept, match, rewrite, forward over pooled connections, stream back.
//! - [`admin`]: health check and JSON API, read-only views of the same state.
//! - [`app`]: starts all of the above and shuts it down gracefully; [`telemetry`] sets up logs;
//!   [`healthcheck`] is the `hawser healthcheck` subcommand.

pub mod admin;
pub mod app;
pub mod config;
pub mod discovery;
pub mod healthcheck;
pub mod proxy;
pub mod publish;
pub mod routing;
pub mod state;
pub mod stats;
pub mod telemetry;
