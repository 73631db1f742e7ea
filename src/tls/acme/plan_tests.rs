use std::time::Duration;

use super::*;
use crate::tls::selfsigned::self_signed;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn set(names: &[&str]) -> DomainSet {
    let sans: Vec<String> = names[1..].iter().map(|name| (*name).to_owned()).collect();
    DomainSet::new(names[0], &sans).expect("valid")
}

/// A 90-day certificate issued `age` ago.
fn held(names: &[&str], age: Duration) -> Held {
    let now = SystemTime::now();
    let owned: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let not_before = now - age;
    Held {
        domains: set(names),
        certificate: self_signed("test", &owned, not_before, not_before + 90 * DAY).expect("cert"),
    }
}

#[test]
fn decisions_follow_coverage_renewal_and_retries() {
    let now = SystemTime::now();
    let fresh = held(&["a.example.com", "www.a.example.com"], DAY);
    let due = held(&["b.example.com"], 61 * DAY);
    let holding = [fresh.clone(), due.clone()];
    let fresh_renewal = {
        let facts = &fresh.certificate.facts;
        facts.not_after - Duration::from_secs(30 * 24 * 3600)
    };
    let failed = Track {
        failures: 2,
        retry_at: Some(now + Duration::from_secs(600)),
        last_error: Some("connection refused".into()),
        in_flight: false,
    };
    let running = Track {
        in_flight: true,
        ..Track::default()
    };
    let none = Track::default();
    let cases: [(DomainSet, &Track, bool, Decision); 9] = [
        (
            set(&["new.example.com"]),
            &none,
            false,
            Decision::Order { renewing: false },
        ),
        (
            set(&["a.example.com"]),
            &none,
            false,
            Decision::WaitUntil(fresh_renewal),
        ),
        (
            set(&["www.a.example.com", "a.example.com"]),
            &none,
            false,
            Decision::WaitUntil(fresh_renewal),
        ),
        (
            set(&["a.example.com", "more.example.com"]),
            &none,
            false,
            Decision::Order { renewing: false },
        ),
        (
            set(&["b.example.com"]),
            &none,
            false,
            Decision::Order { renewing: true },
        ),
        (
            set(&["b.example.com"]),
            &failed,
            false,
            Decision::WaitUntil(now + Duration::from_secs(600)),
        ),
        (
            set(&["new.example.com"]),
            &running,
            false,
            Decision::InFlight,
        ),
        (
            set(&["new.example.com"]),
            &none,
            true,
            Decision::CoveredByFiles,
        ),
        (
            set(&["example.com", "*.example.com"]),
            &none,
            false,
            Decision::Unsupported(
                "*.example.com needs a DNS-01 challenge; this resolver uses HTTP-01".into(),
            ),
        ),
    ];
    for (wanted, track, files_cover, expected) in cases {
        let decision = decide(
            &wanted,
            &holding,
            track,
            ChallengeKind::Http01,
            files_cover,
            now,
        );
        assert_eq!(decision, expected, "{wanted}");
    }
}

#[test]
fn a_retry_that_is_due_orders_again() {
    let now = SystemTime::now();
    let track = Track {
        failures: 1,
        retry_at: Some(now - Duration::from_secs(1)),
        last_error: Some("timeout".into()),
        in_flight: false,
    };
    let decision = decide(
        &set(&["a.example.com"]),
        &[],
        &track,
        ChallengeKind::TlsAlpn01,
        false,
        now,
    );
    assert_eq!(decision, Decision::Order { renewing: false });
}

#[test]
fn the_longest_lived_certificate_covers() {
    let older = held(&["a.example.com"], 50 * DAY);
    let newer = held(&["a.example.com"], DAY);
    let holding = [older, newer.clone()];
    let cover = best_cover(&set(&["a.example.com"]), &holding).expect("covered");
    assert_eq!(
        cover.certificate.facts.serial,
        newer.certificate.facts.serial
    );
    assert!(best_cover(&set(&["z.example.com"]), &holding).is_none());
}

#[test]
fn records_show_each_certificate_and_each_set_waiting_for_one() {
    let served = held(&["a.example.com"], DAY);
    let renewing = held(&["b.example.com"], 70 * DAY);
    let holding = [served, renewing];
    let mut tracks = HashMap::new();
    tracks.insert(
        set(&["b.example.com"]),
        Track {
            in_flight: true,
            ..Track::default()
        },
    );
    tracks.insert(
        set(&["c.example.com"]),
        Track {
            failures: 1,
            retry_at: None,
            last_error: Some("c.example.com: connection refused".into()),
            in_flight: false,
        },
    );
    let decisions = vec![
        (
            set(&["a.example.com"]),
            Decision::WaitUntil(SystemTime::now()),
        ),
        (set(&["b.example.com"]), Decision::InFlight),
        (
            set(&["c.example.com"]),
            Decision::WaitUntil(SystemTime::now()),
        ),
        (set(&["d.example.com"]), Decision::Order { renewing: false }),
        (set(&["e.example.com"]), Decision::CoveredByFiles),
        (
            set(&["*.f.example.com"]),
            Decision::Unsupported("needs DNS-01".into()),
        ),
    ];
    let rows = records(&holding, &decisions, &tracks);
    let summary: Vec<(&str, CertState, bool, Option<&str>)> = rows
        .iter()
        .map(|row| {
            (
                row.domain.as_str(),
                row.state,
                row.certificate.is_some(),
                row.last_error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("a.example.com", CertState::Valid, true, None),
            ("b.example.com", CertState::Renewing, true, None),
            (
                "c.example.com",
                CertState::Failed,
                false,
                Some("c.example.com: connection refused")
            ),
            ("d.example.com", CertState::Ordering, false, None),
            (
                "*.f.example.com",
                CertState::Failed,
                false,
                Some("needs DNS-01")
            ),
        ]
    );
}
