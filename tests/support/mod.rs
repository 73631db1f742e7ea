//! Shared test support: a fake Docker Engine API, real test backends, a recording backend, the
//! hawser process, one HTTP client and a raw one, one way to wait for a condition, the
//! end-to-end lab's helpers (`e2e`), and for HTTPS a TLS client and server and a private ACME
//! CA (`tls`, `pebble`).
#![allow(dead_code)]

pub mod backend;
pub mod black_hole;
pub mod browser;
pub mod e2e;
pub mod fake_docker;
pub mod hawser;
pub mod http;
pub mod pebble;
pub mod raw;
pub mod recorder;
pub mod stack;
pub mod swarm;
pub mod tls;
pub mod wait;
