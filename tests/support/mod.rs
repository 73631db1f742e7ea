//! Shared test support: a fake Docker Engine API, real test backends, and the hawser process.
#![allow(dead_code)]

pub mod backend;
pub mod browser;
pub mod fake_docker;
pub mod hawser;
pub mod http;
pub mod stack;
pub mod swarm;

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` until it returns `Some`, failing the test after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
