//! Everything that can go wrong in the TLS layer, each naming what it concerns: the file, the
//! option, the resolver or the domain.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TlsError {
    /// A certificate, key or CA file that cannot be read or used.
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    /// A certificate held in memory (an ACME one, a generated one) that cannot be used.
    #[error("certificate for {what}: {reason}")]
    Certificate { what: String, reason: String },
    /// A TLS option with a value rustls cannot honour.
    #[error("TLS option {option}: {reason}")]
    Option { option: String, reason: String },
    /// A `--certresolver` definition that does not parse or validate.
    #[error("--certresolver {resolver}: {reason}")]
    Resolver { resolver: String, reason: String },
    #[error("no certificate resolver is named {0:?}")]
    UnknownResolver(String),
    /// A domain that cannot be put in a certificate order.
    #[error("domain {domain:?}: {reason}")]
    Domain { domain: String, reason: String },
    /// The ACME storage file cannot be read, parsed or written.
    #[error("ACME storage {}: {reason}", path.display())]
    Storage { path: PathBuf, reason: String },
    /// A step of an ACME order, with the CA's problem document when there is one.
    #[error("ACME {step}: {reason}")]
    Acme { step: &'static str, reason: String },
    #[error("TLS handshake: {0}")]
    Handshake(String),
}

impl TlsError {
    pub(crate) fn file(path: impl Into<PathBuf>, reason: impl ToString) -> TlsError {
        TlsError::File {
            path: path.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn option(option: &str, reason: impl ToString) -> TlsError {
        TlsError::Option {
            option: option.to_owned(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn acme(step: &'static str, reason: impl ToString) -> TlsError {
        TlsError::Acme {
            step,
            reason: reason.to_string(),
        }
    }
}
