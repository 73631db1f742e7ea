#![forbid(unsafe_code)]
//! hawser: a Swarm-aware reverse proxy.
//!
//! # Layout
//!
//! Modules follow the data, from the Docker API to the bytes on a client's socket; each uses
//! only the ones above it (and the shared counters in [`stats`]):
//!
//! - [`config`]: flags, `HAWSER_*` environment variables and an optional TOML file, validated
//!   once into [`config::Settings`]; [`config::defaults`] is the one place defaults are written.
//! - [`cluster`]: the plain model of a cluster (services, tasks, networks, nodes, static
//!   services) that discovery produces and routing reads; neither depends on the other.
//! - [`discovery`]: the providers, and the only code that talks to Docker. The swarm provider
//!   lists services, tasks, networks and nodes (events trigger a re-list, polling catches the
//!   rest) and keeps its last good listing in a state file when asked; the file provider reads
//!   static routes. Each publishes its own part of the cluster on its own channel;
//!   [`discovery::Providers`] is where the parts are merged.
//! - [`routing`]: pure and synchronous. Service labels (Traefik's v1 dialect, or v2/v3 routers,
//!   services and middlewares) become rules in a dialect-neutral matcher tree; a snapshot
//!   compiles to a [`routing::RoutingSpec`] and then
//!   an immutable, indexed [`routing::RoutingTable`] whose balancers pick backends.
//! - [`publisher`]: the task that merges the providers' parts, compiles them and publishes
//!   the result into [`published::Published`], the one owner of the routing state: readers
//!   load the current table; one `publish` swaps it (only when it changed) and announces it.
//! - [`state`]: what the proxy, the admin API and the publisher share: the published state,
//!   the [`stats::Traffic`] totals and discovery's status.
//! - [`proxy`]: accept (within the connection limits, plain or TLS), validate and normalise,
//!   match, rewrite, run the route's middlewares, forward over pooled HTTP/1.1 or h2c
//!   connections to a balancer's pick (sticky, passive and active health), stream back.
//! - [`admin`]: dashboard, JSON API, metrics and `/ping`: read-only views of the same state.
//! - [`tls`]: HTTPS, the only rustls server and ACME code: certificates from files, ACME
//!   resolvers or generated, chosen by SNI; rustls configs from TLS options; one connection's
//!   handshake, used by the proxy's TLS entry points. [`certificates`] reads, from every
//!   published table, what the ACME resolvers must cover.
//! - [`app`]: starts all of the above and shuts it down gracefully; [`telemetry`] sets up logs;
//!   [`healthcheck`] is the `hawser healthcheck` subcommand.

pub mod admin;
pub mod app;
pub mod certificates;
pub mod cluster;
pub mod config;
pub mod discovery;
pub mod healthcheck;
pub mod proxy;
pub mod published;
pub mod publisher;
pub mod routing;
pub mod state;
pub mod stats;
pub mod telemetry;
pub mod tls;
