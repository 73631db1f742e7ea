//! The last good listing of the swarm, kept on disk (`--state-file`): written atomically after
//! each change, read at start, so that a hawser restarted while the Docker API is unreachable
//! serves the routes it last knew at once instead of nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::DiscoveryError;
use crate::cluster::ClusterSnapshot;

/// The file's format: versioned, so that a later hawser can refuse what it cannot read.
#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    /// Unix milliseconds.
    saved_at: u64,
    snapshot: ClusterSnapshot,
}

const VERSION: u32 = 1;

/// A listing read back from the file, and when it was written.
#[derive(Debug, PartialEq)]
pub struct Restored {
    pub snapshot: ClusterSnapshot,
    pub saved_at: SystemTime,
}

/// Where the last good listing is kept.
#[derive(Clone, Debug)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        StateFile { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `snapshot` (a complete listing) in place of the last one: to a temporary file
    /// beside it, synced, then renamed over it, so a crash leaves the old file or the new one.
    pub fn save(&self, snapshot: &ClusterSnapshot) -> Result<(), DiscoveryError> {
        let saved = Saved {
            version: VERSION,
            saved_at: u64::try_from(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis(),
            )
            .unwrap_or(u64::MAX),
            snapshot: snapshot.clone(),
        };
        let error = |reason: String| DiscoveryError::StateFile {
            path: self.path.clone(),
            reason,
        };
        let json = serde_json::to_vec(&saved).map_err(|err| error(err.to_string()))?;
        let temporary = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&temporary).map_err(|err| error(format!("{err}")))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(|err| error(format!("writing {}: {err}", temporary.display())))?;
        std::fs::rename(&temporary, &self.path).map_err(|err| error(err.to_string()))
    }

    /// The saved listing; `Ok(None)` when there is no file yet.
    pub fn load(&self) -> Result<Option<Restored>, DiscoveryError> {
        let error = |reason: String| DiscoveryError::StateFile {
            path: self.path.clone(),
            reason,
        };
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(error(err.to_string())),
        };
        let saved: Saved = serde_json::from_slice(&bytes).map_err(|err| error(err.to_string()))?;
        if saved.version != VERSION {
            return Err(error(format!(
                "written in format {} by another hawser; this one reads {VERSION}",
                saved.version
            )));
        }
        Ok(Some(Restored {
            snapshot: saved.snapshot,
            saved_at: UNIX_EPOCH + std::time::Duration::from_millis(saved.saved_at),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Network;

    fn snapshot() -> ClusterSnapshot {
        ClusterSnapshot {
            networks: vec![Network {
                id: "n1".into(),
                name: "demo_apps".into(),
                ingress: false,
            }],
            synced: true,
            ..ClusterSnapshot::default()
        }
    }

    #[test]
    fn a_saved_listing_reads_back_the_same() {
        let directory = tempfile::tempdir().expect("temp dir");
        let file = StateFile::new(directory.path().join("state.json"));
        assert_eq!(file.load().expect("no file is fine"), None);
        file.save(&snapshot()).expect("save");
        let restored = file.load().expect("load").expect("saved");
        assert_eq!(restored.snapshot, snapshot());
        assert!(restored.saved_at <= SystemTime::now());
        assert!(
            !directory.path().join("state.tmp").exists(),
            "the temporary file was renamed over the old one"
        );
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_error_naming_it() {
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("state.json");
        std::fs::write(&path, b"{ not json").expect("write");
        let err = StateFile::new(path.clone()).load().expect_err("damaged");
        assert!(err.to_string().contains("state.json"), "{err}");
        std::fs::write(
            &path,
            br#"{"version": 9, "saved_at": 0, "snapshot": {"services": [], "tasks": [],
                "networks": [], "nodes": [], "static_services": [], "synced": true}}"#,
        )
        .expect("write");
        let err = StateFile::new(path).load().expect_err("another version");
        assert!(err.to_string().contains("format 9"), "{err}");
    }
}
