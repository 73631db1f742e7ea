//! What a resolver should do for each wanted domain set, and what the operator sees: pure
//! decisions over the certificates it holds, each set's history and the time passed in.

use std::collections::HashMap;
use std::time::SystemTime;

use super::domains::DomainSet;
use super::schedule::renewal_time;
use super::settings::ChallengeKind;
use crate::tls::certificate::Certificate;
use crate::tls::store::{CertState, Record};

/// A certificate the resolver holds (issued, or read from storage).
#[derive(Clone, Debug)]
pub struct Held {
    pub domains: DomainSet,
    pub certificate: Certificate,
}

/// One wanted set's history.
#[derive(Clone, Debug, Default)]
pub struct Track {
    /// Failures in a row.
    pub failures: u32,
    pub retry_at: Option<SystemTime>,
    pub last_error: Option<String>,
    pub in_flight: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Order now; `renewing` when a certificate is served meanwhile.
    Order {
        renewing: bool,
    },
    /// Nothing to do before then (renewal due, or the next retry).
    WaitUntil(SystemTime),
    InFlight,
    /// Certificate files already serve every name: nothing to order (Traefik checks its
    /// store the same way before ordering).
    CoveredByFiles,
    /// Cannot be ordered with this resolver's challenge.
    Unsupported(String),
}

/// The held certificate that serves every name of `set`, the longest-lived if several.
pub fn best_cover<'a>(set: &DomainSet, held: &'a [Held]) -> Option<&'a Held> {
    held.iter()
        .filter(|held| set.names().iter().all(|name| held.certificate.covers(name)))
        .max_by_key(|held| held.certificate.facts.not_after)
}

pub fn decide(
    set: &DomainSet,
    held: &[Held],
    track: &Track,
    challenge: ChallengeKind,
    files_cover: bool,
    now: SystemTime,
) -> Decision {
    if track.in_flight {
        return Decision::InFlight;
    }
    if let Some(wildcard) = set.wildcard() {
        return Decision::Unsupported(format!(
            "{wildcard} needs a DNS-01 challenge; this resolver uses {challenge}"
        ));
    }
    if files_cover {
        return Decision::CoveredByFiles;
    }
    let cover = best_cover(set, held);
    if let Some(cover) = cover {
        let facts = &cover.certificate.facts;
        let due = renewal_time(facts.not_before, facts.not_after);
        if due > now {
            return Decision::WaitUntil(due);
        }
    }
    if let Some(retry_at) = track.retry_at
        && retry_at > now
    {
        return Decision::WaitUntil(retry_at);
    }
    Decision::Order {
        renewing: cover.is_some(),
    }
}

/// The operator's rows: each held certificate with the state of the sets it serves, then
/// each wanted set that has none yet.
pub fn records(
    held: &[Held],
    decisions: &[(DomainSet, Decision)],
    tracks: &HashMap<DomainSet, Track>,
) -> Vec<Record> {
    let mut rows: Vec<Record> = held
        .iter()
        .map(|held| Record {
            domain: held.domains.main().to_owned(),
            sans: held.domains.sans().to_vec(),
            certificate: Some(held.certificate.clone()),
            state: CertState::Valid,
            last_error: None,
            file: None,
        })
        .collect();
    for (set, decision) in decisions {
        let track = tracks.get(set).cloned().unwrap_or_default();
        let (state, last_error) = match decision {
            Decision::CoveredByFiles => continue,
            Decision::Unsupported(reason) => (CertState::Failed, Some(reason.clone())),
            _ if track.in_flight => (CertState::Renewing, None),
            _ => match track.last_error {
                Some(error) => (CertState::Failed, Some(error)),
                None => (CertState::Valid, None),
            },
        };
        let serving = best_cover(set, held).and_then(|cover| {
            held.iter()
                .position(|candidate| std::ptr::eq(candidate, cover))
        });
        match serving {
            Some(index) => {
                let row = &mut rows[index];
                // The worst state of the sets a certificate serves shows.
                if rank(state) > rank(row.state) {
                    row.state = state;
                    row.last_error = last_error;
                }
            }
            None => rows.push(Record {
                domain: set.main().to_owned(),
                sans: set.sans().to_vec(),
                certificate: None,
                state: match state {
                    CertState::Failed => CertState::Failed,
                    _ => CertState::Ordering,
                },
                last_error,
                file: None,
            }),
        }
    }
    rows
}

fn rank(state: CertState) -> u8 {
    match state {
        CertState::Valid | CertState::Expired => 0,
        CertState::Renewing | CertState::Ordering => 1,
        CertState::Failed => 2,
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
