use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::*;
use crate::tls::selfsigned::default_certificate;
use crate::tls::store::Snapshot;
use crate::tls::test_pki::Pki;

fn write(directory: &Path, name: &str, text: &str) -> PathBuf {
    let path = directory.join(name);
    fs::write(&path, text).expect("write");
    path
}

fn serves(snapshot: &Snapshot, name: &str, expected: &str) -> bool {
    let (certified, _) = snapshot.select(Some(name));
    let facts = crate::tls::certificate::CertificateFacts::read(&certified.cert[0]).expect("facts");
    facts.names.iter().any(|held| held == expected)
}

fn new_store() -> Arc<CertificateStore> {
    Arc::new(CertificateStore::new(
        default_certificate().expect("default"),
        DefaultOrigin::Generated,
    ))
}

#[test]
fn a_directory_pairs_files_by_the_naming_convention() {
    let pki = Pki::new();
    let directory = tempfile::tempdir().expect("temp dir");
    let dir = directory.path();
    let (chain, key) = pki.leaf_pem(&["a.example.com"]);
    write(dir, "a.crt", &chain);
    write(dir, "a.key", &key);
    write(dir, "b.pem", &chain);
    write(dir, "b.key", &key);
    write(dir, "c.pem", &format!("{chain}{key}"));
    write(dir, "d.crt", &chain);
    write(dir, "e.key", &key);
    write(dir, "f.crt", &chain);
    write(dir, "f.pem", &chain);
    write(dir, "f.key", &key);
    write(dir, "db_password", "hunter2");
    write(dir, ".hidden.crt", &chain);
    fs::create_dir(dir.join("sub.crt")).expect("dir");
    let (pairs, problems) = scan_directory(dir);
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|pair| (stem(&pair.cert), stem(&pair.key)))
        .collect();
    assert_eq!(
        pairs,
        [
            ("a.crt".into(), "a.key".into()),
            ("b.pem".into(), "b.key".into()),
            ("c.pem".into(), "c.pem".into()),
            ("f.crt".into(), "f.key".into()),
        ]
    );
    let problems: Vec<(String, String)> = problems
        .iter()
        .map(|(path, why)| (stem(path), why.clone()))
        .collect();
    assert_eq!(
        problems,
        [
            ("d.crt".into(), "no d.key next to it".into()),
            ("e.key".into(), "no e.crt or e.pem next to it".into()),
            ("f.pem".into(), "ignored: f.crt and f.key are used".into()),
        ]
    );
}

fn stem(path: &Path) -> String {
    path.file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn unusable_files_are_errors_naming_the_file_at_fault() {
    let pki = Pki::new();
    let directory = tempfile::tempdir().expect("temp dir");
    let dir = directory.path();
    let (chain, key) = pki.leaf_pem(&["a.example.com"]);
    let (_, other_key) = pki.leaf_pem(&["b.example.com"]);
    let good_cert = write(dir, "good.crt", &chain);
    let good_key = write(dir, "good.key", &key);
    let bad_cert = write(
        dir,
        "bad.crt",
        "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n",
    );
    let other = write(dir, "other.key", &other_key);
    let not_a_key = write(dir, "not.key", "just text");
    let combined_without_key = write(dir, "nokey.pem", &chain);
    let missing = dir.join("missing.crt");
    let pair = |cert: &Path, key: &Path| PairFiles {
        cert: cert.to_owned(),
        key: key.to_owned(),
    };
    let cases = [
        (pair(&bad_cert, &good_key), &bad_cert, "bad PEM"),
        (pair(&good_cert, &other), &other, "does not match"),
        (
            pair(&good_cert, &not_a_key),
            &not_a_key,
            "no PEM private key",
        ),
        (
            pair(&combined_without_key, &combined_without_key),
            &combined_without_key,
            "no PEM private key",
        ),
        (pair(&missing, &good_key), &missing, "No such file"),
    ];
    for (pair, at_fault, reason) in cases {
        let err = load_pair(&pair).expect_err(reason);
        let TlsError::File { path, reason: why } = &err else {
            panic!("not a file error: {err}");
        };
        assert_eq!(path, at_fault, "{err}");
        assert!(why.contains(reason), "{err} lacks {reason:?}");
        assert!(
            err.to_string().starts_with(&at_fault.display().to_string()),
            "{err}"
        );
    }
    assert!(load_pair(&pair(&good_cert, &good_key)).is_ok());
}

#[test]
fn changes_are_reloaded_and_a_broken_pair_keeps_its_last_good_version() {
    let pki = Pki::new();
    let directory = tempfile::tempdir().expect("temp dir");
    let dir = directory.path();
    let (a_chain, a_key) = pki.leaf_pem(&["a.example.com"]);
    let (b_chain, b_key) = pki.leaf_pem(&["b.example.com"]);
    write(dir, "a.crt", &a_chain);
    write(dir, "a.key", &a_key);
    let explicit = PairFiles {
        cert: write(dir, "b.chain", &b_chain),
        key: write(dir, "b.private", &b_key),
    };
    let store = new_store();
    let mut watcher = CertificateFileWatcher::new(
        CertificateFiles {
            pairs: vec![explicit.clone()],
            directories: vec![dir.to_owned()],
            default: None,
        },
        store.clone(),
    );
    assert!(watcher.reload_if_changed(), "the first load");
    assert!(!watcher.reload_if_changed(), "nothing changed");
    assert!(serves(&store.snapshot(), "a.example.com", "a.example.com"));
    assert!(serves(&store.snapshot(), "b.example.com", "b.example.com"));

    // a.crt replaced by a certificate for more names: served at the next check.
    let (wider_chain, wider_key) = pki.leaf_pem(&["a.example.com", "c.example.com"]);
    write(dir, "a.key", &wider_key);
    write(dir, "a.crt", &wider_chain);
    assert!(watcher.reload_if_changed());
    assert!(serves(&store.snapshot(), "c.example.com", "c.example.com"));

    // a.crt broken: its last good version still serves, the report says why.
    write(dir, "a.crt", "garbage");
    assert!(watcher.reload_if_changed());
    let snapshot = store.snapshot();
    assert!(
        serves(&snapshot, "c.example.com", "c.example.com"),
        "previous version kept"
    );
    assert!(
        serves(&snapshot, "b.example.com", "b.example.com"),
        "others unaffected"
    );
    let report = store.report(SystemTime::now());
    let broken = report
        .iter()
        .find(|row| row.file.as_deref() == Some(dir.join("a.crt").as_path()))
        .expect("a row for a.crt");
    assert_eq!(broken.state, CertState::Failed);
    assert!(
        broken
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("a.crt"),
        "{broken:?}"
    );
    assert_eq!(broken.domain, "a.example.com");

    // a.crt and a.key removed: gone, not kept.
    fs::remove_file(dir.join("a.crt")).expect("remove");
    fs::remove_file(dir.join("a.key")).expect("remove");
    assert!(watcher.reload_if_changed());
    let snapshot = store.snapshot();
    assert!(!serves(&snapshot, "c.example.com", "c.example.com"));
    assert!(serves(&snapshot, "b.example.com", "b.example.com"));
}

#[test]
fn a_default_file_replaces_the_generated_default_and_a_bad_one_does_not() {
    let pki = Pki::new();
    let directory = tempfile::tempdir().expect("temp dir");
    let dir = directory.path();
    let (chain, key) = pki.leaf_pem(&["fallback.example.com"]);
    let default = PairFiles {
        cert: write(dir, "default.crt", &chain),
        key: write(dir, "default.key", &key),
    };
    let store = new_store();
    let mut watcher = CertificateFileWatcher::new(
        CertificateFiles {
            default: Some(default.clone()),
            ..CertificateFiles::default()
        },
        store.clone(),
    );
    watcher.reload_if_changed();
    assert!(serves(
        &store.snapshot(),
        "anything.test",
        "fallback.example.com"
    ));
    let report = store.report(SystemTime::now());
    let row = report.last().expect("default row");
    assert_eq!(
        (row.resolver.as_str(), row.file.as_deref()),
        ("default", Some(default.cert.as_path()))
    );

    write(dir, "default.crt", "garbage");
    watcher.reload_if_changed();
    assert!(
        serves(&store.snapshot(), "anything.test", "fallback.example.com"),
        "the previous default stays"
    );
}

#[test]
fn a_missing_directory_is_a_problem_not_a_failure() {
    let store = new_store();
    let mut watcher = CertificateFileWatcher::new(
        CertificateFiles {
            directories: vec!["/nonexistent/secrets".into()],
            ..CertificateFiles::default()
        },
        store.clone(),
    );
    watcher.reload_if_changed();
    let report = store.report(SystemTime::now());
    assert_eq!(report[0].state, CertState::Failed);
    assert!(
        report[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("/nonexistent/secrets")
    );
    assert_eq!(report[1].resolver, "default");
}
