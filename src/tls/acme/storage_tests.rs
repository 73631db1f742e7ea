use std::os::unix::fs::PermissionsExt;

use super::*;

fn sample() -> StorageDocument {
    let mut document = StorageDocument::default();
    document.resolvers.insert(
        "le".into(),
        ResolverRecord {
            account: Some(AccountRecord {
                directory: "https://acme.example/dir".into(),
                email: Some("ops@example.com".into()),
                credentials: serde_json::json!({
                    "id": "https://acme.example/acct/1",
                    "key_pkcs8": "MIGHAgEAMBMG",
                    "directory": "https://acme.example/dir"
                }),
            }),
            certificates: vec![CertificateRecord {
                main: "example.com".into(),
                sans: vec!["www.example.com".into()],
                certificate: "-----BEGIN CERTIFICATE-----\n...".into(),
                key: "-----BEGIN PRIVATE KEY-----\n...".into(),
            }],
        },
    );
    document
}

#[test]
fn the_document_round_trips_through_json() {
    let document = sample();
    let json = document.to_json();
    assert_eq!(StorageDocument::from_json(&json), Ok(document));
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["version"], 1);
    assert_eq!(
        value["resolvers"]["le"]["certificates"][0]["main"],
        "example.com"
    );
    assert_eq!(
        value["resolvers"]["le"]["account"]["credentials"]["id"],
        "https://acme.example/acct/1"
    );
}

#[test]
fn foreign_or_future_documents_are_refused() {
    let traefik = r#"{"le": {"Account": {"Email": "a@b.c"}, "Certificates": []}}"#;
    assert!(StorageDocument::from_json(traefik).is_err());
    let future = r#"{"version": 2, "resolvers": {}}"#;
    let err = StorageDocument::from_json(future).expect_err("version 2");
    assert!(err.contains("version 2"), "{err}");
    assert!(StorageDocument::from_json("{").is_err());
}

#[test]
fn updates_are_written_atomically_with_mode_0600_and_read_back() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("acme.json");
    let storage = Storage::open(&path).expect("a missing file is empty");
    assert_eq!(storage.resolver("le"), ResolverRecord::default());
    let record = sample().resolvers["le"].clone();
    storage
        .update("le", |stored| *stored = record.clone())
        .expect("written");
    let mode = std::fs::metadata(&path).expect("file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(directory.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["acme.json"], "no temporary file left");
    let reopened = Storage::open(&path).expect("reads back");
    assert_eq!(reopened.resolver("le"), record);
    assert_eq!(reopened.resolver("other"), ResolverRecord::default());
}

#[test]
fn a_corrupt_file_is_an_error_naming_it_not_something_to_overwrite() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("acme.json");
    std::fs::write(&path, "{ not json").expect("write");
    let err = Storage::open(&path).expect_err("corrupt");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), "{ not json");
}

#[test]
fn a_write_that_fails_names_the_file() {
    let storage = Storage::open(std::path::Path::new("/nonexistent/dir/acme.json"))
        .expect("missing is empty");
    let err = storage.update("le", |_| {}).expect_err("no directory");
    assert!(
        err.to_string().contains("/nonexistent/dir/acme.json"),
        "{err}"
    );
}
