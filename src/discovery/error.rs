//! Everything that can go wrong between hawser and the Docker Engine API.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::telemetry::error_chain;

#[derive(Debug, Error)]
pub enum DiscoveryError {
    #[error("bad Docker endpoint {url:?}: {reason}")]
    BadEndpoint { url: String, reason: String },
    #[error("Docker TLS file {}: {reason}", path.display())]
    Tls { path: PathBuf, reason: String },
    #[error("cannot reach the Docker API: {0}")]
    Transport(String),
    #[error("the Docker API answered {status} to {path}: {message}")]
    Api {
        status: u16,
        path: String,
        message: String,
    },
    #[error("this Docker engine is not a Swarm manager ({0}); point --docker-host at a manager")]
    NotManager(String),
    #[error("cannot decode the Docker API's {what}: {reason}")]
    Decode { what: String, reason: String },
    #[error("the Docker API did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Docker Engine API {found} is too old: hawser needs {needed} or newer")]
    TooOld { found: String, needed: String },
    #[error("state file {}: {reason}", path.display())]
    StateFile { path: PathBuf, reason: String },
    #[error("static routes file {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
}

impl From<bollard::errors::Error> for DiscoveryError {
    fn from(err: bollard::errors::Error) -> Self {
        use bollard::errors::Error as Bollard;
        match err {
            Bollard::DockerResponseServerError {
                status_code,
                message,
            } => classify_api_error(status_code, "", message),
            Bollard::RequestTimeoutError => DiscoveryError::Timeout(Duration::ZERO),
            Bollard::JsonDataError { message, .. } => DiscoveryError::Decode {
                what: "response".into(),
                reason: message,
            },
            other => DiscoveryError::Transport(error_chain(&other)),
        }
    }
}

/// Turns an error status into the most helpful error.
pub(crate) fn classify_api_error(status: u16, path: &str, message: String) -> DiscoveryError {
    if status == 503 && message.contains("not a swarm manager") || message.contains("swarm mode") {
        return DiscoveryError::NotManager(message);
    }
    DiscoveryError::Api {
        status,
        path: path.to_owned(),
        message,
    }
}
