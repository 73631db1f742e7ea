#![forbid(unsafe_code)]
//! hawser: a Swarm-aware reverse proxy.

pub mod discovery;
pub mod routing;
pub mod stats;
