//! One certificate order against the CA: new order, answer each authorization's challenge,
//! wait for validation, finalize with a fresh P-256 key, download the chain.

use std::sync::Arc;
use std::time::Duration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, NewOrder, OrderStatus, RetryPolicy,
};

use super::challenges::{Challenges, OpenChallenges};
use super::domains::DomainSet;
use super::settings::ChallengeKind;
use crate::tls::TlsError;
use crate::tls::certificate::Certificate;

/// What the CA issued: the PEM texts to store and the parsed certificate to serve.
pub struct Issued {
    pub chain_pem: String,
    pub key_pem: String,
    pub certificate: Certificate,
}

/// How long validation and issuance may take (each); the CA's `Retry-After` is honoured.
#[derive(Clone, Copy, Debug)]
pub struct Polling {
    pub initial_delay: Duration,
    pub timeout: Duration,
}

pub async fn order(
    account: &Account,
    domains: &DomainSet,
    kind: ChallengeKind,
    challenges: Arc<Challenges>,
    polling: Polling,
) -> Result<Issued, TlsError> {
    let identifiers = domains.identifiers();
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|err| TlsError::acme("new order", err))?;
    // Open until this function returns, whatever the outcome.
    let mut open = OpenChallenges::new(challenges);
    let wanted = match kind {
        ChallengeKind::Http01 => ChallengeType::Http01,
        ChallengeKind::TlsAlpn01 => ChallengeType::TlsAlpn01,
    };
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization =
            authorization.map_err(|err| TlsError::acme("authorization", err))?;
        match authorization.status {
            AuthorizationStatus::Valid => continue,
            AuthorizationStatus::Pending => {}
            other => {
                return Err(TlsError::acme(
                    "authorization",
                    format!("{} is {other:?}", authorization.identifier()),
                ));
            }
        }
        let name = authorization.identifier().to_string();
        let mut challenge = authorization.challenge(wanted.clone()).ok_or_else(|| {
            TlsError::acme(
                "authorization",
                format!("the CA offers no {kind} challenge for {name}"),
            )
        })?;
        let key_authorization = challenge.key_authorization();
        match kind {
            ChallengeKind::Http01 => open.http01(&challenge.token, key_authorization.as_str()),
            ChallengeKind::TlsAlpn01 => {
                open.tls_alpn01(&name, key_authorization.digest().as_ref())?;
            }
        }
        challenge
            .set_ready()
            .await
            .map_err(|err| TlsError::acme("challenge", format!("{name}: {err}")))?;
    }
    let retries = RetryPolicy::new()
        .initial_delay(polling.initial_delay)
        .timeout(polling.timeout);
    let status = order.poll_ready(&retries).await;
    if !matches!(status, Ok(OrderStatus::Ready)) {
        let why = validation_errors(&mut order).await;
        let status = match status {
            Ok(status) => format!("the order is {status:?}"),
            Err(err) => err.to_string(),
        };
        return Err(TlsError::acme(
            "validation",
            if why.is_empty() {
                status
            } else {
                format!("{status}; {why}")
            },
        ));
    }
    let key_pem = order
        .finalize()
        .await
        .map_err(|err| TlsError::acme("finalize", err))?;
    let chain_pem = order
        .poll_certificate(&retries)
        .await
        .map_err(|err| TlsError::acme("certificate download", err))?;
    drop(open);
    let certificate =
        Certificate::from_pem(chain_pem.as_bytes(), key_pem.as_bytes()).map_err(|err| {
            TlsError::Certificate {
                what: domains.to_string(),
                reason: format!("the CA's certificate is unusable: {err}"),
            }
        })?;
    Ok(Issued {
        chain_pem,
        key_pem,
        certificate,
    })
}

/// Each failed challenge's name and problem, from fresh authorization states.
async fn validation_errors(order: &mut instant_acme::Order) -> String {
    let mut reasons = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(Ok(mut authorization)) = authorizations.next().await {
        let Ok(state) = authorization.refresh().await else {
            continue;
        };
        let name = state.identifier().to_string();
        for challenge in &state.challenges {
            if let Some(problem) = &challenge.error {
                reasons.push(format!("{name}: {problem}"));
            }
        }
    }
    reasons.join("; ")
}
