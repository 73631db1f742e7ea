//! Cluster snapshot → rules → an immutable routing table. Pure and synchronous: no I/O, and
//! nothing from discovery; it reads only the plain [`crate::cluster`] model.
//!
//! - [`traefik_v1`] reads a service's labels into route settings and rules;
//! - [`rule`] and [`pattern`] are the dialect-neutral matcher tree and path rewrites, with
//!   [`host`] the canonical form hosts are compared in, [`path_text`] the Go syntax of text a
//!   rule writes into a path, [`path`] the normal form request paths are matched in, and
//!   `query` how a `Query` matcher reads the query string;
//! - [`middleware`] holds each middleware's configuration and, for those that need only the
//!   request, its logic; [`options`] reads an object's labels the way Traefik does;
//! - [`network`] chooses which network a service's tasks are reached on;
//! - [`compile`] turns a cluster snapshot into a [`RoutingSpec`], one service at a time, and
//!   [`report`] into the per-service view operators read; [`error`](SkipReason) says why a
//!   service or rule was rejected;
//! - [`table`] builds the published [`RoutingTable`], with [`index`] for lookups and
//!   [`balance`] for the round-robin order of each [`Balancer`].

pub mod balance;
pub mod compile;
mod error;
pub mod host;
pub mod index;
pub mod middleware;
pub mod network;
pub mod options;
pub mod path;
pub mod path_text;
pub mod pattern;
mod query;
pub mod report;
pub mod rule;
pub mod table;
pub mod traefik_v1;

pub use compile::{Compiled, RoutingSettings, RoutingSpec, compile};
pub use error::{RuleError, SkipReason};
pub use report::ServiceReport;
pub use rule::RequestView;
pub use table::{Backend, Balancer, Route, RoutingTable};
