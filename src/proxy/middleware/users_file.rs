//! `basicAuth.usersFile`: the htpasswd file, read when first needed and again when it changes
//! (its modification time or size; looked at no more than once a second). A file that cannot
//! be read or parsed is logged once, and the users last read from it stay; a file never read
//! successfully has no users, and the proxy answers 500 rather than let anyone in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tracing::{info, warn};

use crate::routing::middleware::htpasswd::Users;

/// Every users file the proxy's middlewares name, shared by all workers.
pub static USERS_FILES: LazyLock<UsersFiles> =
    LazyLock::new(|| UsersFiles::new(Duration::from_secs(1)));

pub struct UsersFiles {
    files: Mutex<HashMap<PathBuf, Loaded>>,
    /// How long a file is trusted not to have changed.
    recheck: Duration,
}

struct Loaded {
    users: Option<Arc<Users>>,
    fingerprint: Option<(SystemTime, u64)>,
    checked: Instant,
}

impl UsersFiles {
    pub fn new(recheck: Duration) -> Self {
        UsersFiles {
            files: Mutex::default(),
            recheck,
        }
    }

    /// The users of `path` as it is now (or as it last read well).
    pub async fn users(&self, path: &Path) -> Option<Arc<Users>> {
        let now = Instant::now();
        let previous = {
            let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            match files.get(path) {
                Some(loaded) if now.duration_since(loaded.checked) < self.recheck => {
                    return loaded.users.clone();
                }
                Some(loaded) => Some(loaded.fingerprint),
                None => None,
            }
        };
        let fingerprint = fingerprint(path).await;
        if previous == Some(fingerprint) {
            let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            let loaded = files.get_mut(path)?;
            loaded.checked = now;
            return loaded.users.clone();
        }
        let read = read(path).await;
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        let loaded = files.entry(path.to_owned()).or_insert(Loaded {
            users: None,
            fingerprint,
            checked: now,
        });
        loaded.fingerprint = fingerprint;
        loaded.checked = now;
        if let Some(users) = read {
            loaded.users = Some(Arc::new(users));
        }
        loaded.users.clone()
    }
}

/// Modification time and size: enough to notice an edit without reading the file.
async fn fingerprint(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = tokio::fs::metadata(path).await.ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

/// The file's users, or `None` (logged) when it cannot be used.
async fn read(path: &Path) -> Option<Users> {
    let shown = path.display();
    let text = match tokio::fs::read_to_string(path).await {
        Ok(text) => text,
        Err(err) => {
            warn!(path = %shown, error = %err, "basicAuth users file not read");
            return None;
        }
    };
    match Users::parse_file(&text) {
        Err(line) => {
            warn!(path = %shown, line, "basicAuth users file not used: a line is not name:hash");
            None
        }
        Ok(users) if users.is_empty() => {
            warn!(path = %shown, "basicAuth users file not used: no users found");
            None
        }
        Ok(users) => {
            for (name, problem) in users.names_with_problems() {
                warn!(path = %shown, user = name, "the password {problem}: it never matches");
            }
            info!(path = %shown, "basicAuth users file read");
            Some(users)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: &str = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/\n";
    const TEST2: &str = "test2:$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0\n";

    #[tokio::test]
    async fn a_changed_file_is_read_again_and_a_broken_one_keeps_the_last_users() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("users");
        let files = UsersFiles::new(Duration::ZERO);
        assert!(files.users(&path).await.is_none(), "no file: no users");
        std::fs::write(&path, TEST).expect("write");
        let users = files.users(&path).await.expect("read");
        assert!(Users::verify(&users, None, "test", "test"));
        std::fs::write(&path, format!("{TEST}{TEST2}")).expect("write");
        let users = files.users(&path).await.expect("read again");
        assert!(
            Users::verify(&users, None, "test2", "test2"),
            "the size changed"
        );
        std::fs::write(&path, "not a user line at all\n").expect("write");
        let users = files.users(&path).await.expect("the last good users");
        assert!(Users::verify(&users, None, "test2", "test2"));
    }

    #[tokio::test]
    async fn within_the_recheck_interval_the_file_is_not_looked_at() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("users");
        std::fs::write(&path, TEST).expect("write");
        let files = UsersFiles::new(Duration::from_secs(3600));
        assert!(files.users(&path).await.is_some());
        std::fs::remove_file(&path).expect("remove");
        assert!(
            files.users(&path).await.is_some(),
            "still the users read a moment ago"
        );
    }
}
