//! The Traefik v2/v3 label dialect (`traefik.http.routers.*`, `.services.*`, `.middlewares.*`)
//! with the Swarm provider's semantics, as Traefik v3 has them (v2's `@docker` names and
//! `traefik.docker.*` labels are read as the same provider).
//!
//! The data flows through these in order:
//! - [`labels`] sorts a service's labels into routers, services and middlewares (paerser's
//!   rules); [`router`], [`service`] and [`middleware`] read each object's options;
//! - [`provider`] applies the Swarm provider's defaults to one service and gives its objects
//!   their servers; [`swarm`] reads its own labels (enable, network, lbswarm), [`template`]
//!   is the default rule, [`names`] how names are made and qualified;
//! - [`merge`] puts every service's objects together as Traefik's provider merge does
//!   (identical definitions collapse, different ones are dropped);
//! - [`resolve`] turns each router into a route: its service's balancer (weighted services
//!   flattened), its middlewares (chains flattened), its rule, parsed at one place;
//! - [`compile`] runs these over a snapshot's v2/v3 services into the routing spec.

pub mod compile;
pub mod labels;
pub mod merge;
pub mod middleware;
pub mod names;
pub mod provider;
pub mod resolve;
pub mod router;
pub mod service;
pub mod swarm;
pub mod template;
#[cfg(test)]
pub(crate) mod test_support;
mod weighted;
