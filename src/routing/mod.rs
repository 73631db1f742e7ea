//! Cluster snapshot → rules → an immutable routing table. Pure and synchronous: no I/O, and
//! nothing from discovery; it reads only the plain [`crate::cluster`] model.
//!
//! - [`dialect`] tells which Traefik dialect a service's labels are written in;
//!   [`traefik_v1`] reads v1 labels into route settings and rules, [`traefik_v3`] reads v2/v3
//!   labels (routers, services, middlewares, their rules) with Traefik's Swarm provider
//!   semantics, and [`constraints`] the provider constraints written in the rule grammar, with
//!   [`goregex`] giving their Go regexes the same meaning in Rust;
//! - [`rule`] and [`pattern`] are the dialect-neutral matcher tree and path rewrites, with
//!   [`host`] the canonical form hosts are compared in, [`path_text`] the Go syntax of text a
//!   rule writes into a path, [`path`] the normal form request paths are matched in, and
//!   `query` how a `Query` matcher reads the query string;
//! - [`middleware`] holds each middleware's configuration and, for those that need only the
//!   request, its logic; [`options`] reads an object's labels the way Traefik does;
//!   [`load_balancer`] and [`tls`] are what a balancer or a route asks for besides matching,
//!   and [`sticky`] how a sticky cookie names a backend;
//! - [`network`] chooses which network a service's tasks are reached on;
//! - [`entry_points`] names the proxy's entry points (with the ports a v1 redirect sends clients
//!   to) and decides which each route is served on;
//! - [`compile`] turns a cluster snapshot into a [`RoutingSpec`] (the plain data of [`spec`]),
//!   one service at a time, and
//!   [`report`] into the per-service view operators read; [`error`](SkipReason) says why a
//!   service or rule was rejected;
//! - [`table`] builds the published [`RoutingTable`], with [`index`] for lookups and
//!   [`balance`] for the round-robin order of each [`Balancer`].

pub mod balance;
pub mod compile;
pub mod constraints;
pub mod dialect;
pub mod entry_points;
mod error;
pub mod goregex;
pub mod host;
pub mod index;
pub mod load_balancer;
pub mod middleware;
pub mod network;
pub mod options;
pub mod path;
pub mod path_text;
pub mod pattern;
mod query;
pub mod report;
pub mod rule;
pub mod spec;
pub mod sticky;
pub mod table;
pub mod tls;
pub mod traefik_v1;
pub mod traefik_v3;

pub use compile::{Compiled, RoutingSettings, RoutingSpec, compile};
pub use entry_points::EntryPoints;
pub use error::{MatcherProblem, Position, RuleError, SkipReason, SyntaxProblem};
pub use report::ServiceReport;
pub use rule::RequestView;
pub use table::{Backend, Balancer, Route, RoutingTable};
