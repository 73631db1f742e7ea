//! ACME (RFC 8555) certificates, the only user of instant-acme:
//!
//! - [`settings`]: `--certresolver` definitions, parsed and validated;
//! - [`manager`]: the loop that orders, renews and retries, publishing into the store;
//!   [`plan`] its pure decisions and [`schedule`] its pure timing;
//! - [`order`]: one order against the CA; [`account`]: the account it is made with;
//!   [`client`]: the HTTP client both use;
//! - [`challenges`]: the HTTP-01 tokens and TLS-ALPN-01 certificates open meanwhile;
//! - [`storage`]: the JSON file of accounts and certificates;
//! - [`domains`]: the names one certificate is ordered for.

pub mod account;
pub mod challenges;
pub mod client;
pub mod domains;
pub mod manager;
pub mod order;
pub mod plan;
pub mod schedule;
pub mod settings;
pub mod storage;

pub use challenges::{ACME_TLS_ALPN, Challenges, HTTP01_PREFIX};
pub use domains::DomainSet;
pub use manager::{AcmeManager, AcmeTiming};
pub use settings::{CertResolverSettings, ChallengeKind, parse_cert_resolvers};
