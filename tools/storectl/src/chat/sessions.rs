//! Saved web chat sessions, so `storectl chat` resumes a conversation:
//! `$XDG_STATE_HOME/storectl/sessions.json` (or
//! `~/.local/state/storectl/sessions.json`), keyed by gateway, tenant and
//! brand. The file holds session tokens, so it is written owner-only.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::Context;

use super::client::Session;

/// The saved sessions file.
#[derive(Debug, Clone)]
pub struct SessionStore {
    path: PathBuf,
}

impl SessionStore {
    /// The store at its usual place.
    pub fn locate() -> anyhow::Result<Self> {
        let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
            Some(state) => PathBuf::from(state),
            None => std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| Path::new(&home).join(".local/state"))
                .context("Neither XDG_STATE_HOME nor HOME is set: cannot save the chat session")?,
        };
        Ok(Self::at(base.join("storectl/sessions.json")))
    }

    /// The store in `path`.
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key of a session.
    pub fn key(gateway: &str, tenant: &str, brand: &str) -> String {
        format!("{} {tenant} {brand}", gateway.trim_end_matches('/'))
    }

    fn read(&self) -> anyhow::Result<BTreeMap<String, Session>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("Failed to read {}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("Failed to read {}", self.path.display())),
        }
    }

    /// The session saved under `key`.
    pub fn get(&self, key: &str) -> anyhow::Result<Option<Session>> {
        Ok(self.read()?.remove(key))
    }

    /// Saves `session` under `key`.
    pub fn put(&self, key: &str, session: &Session) -> anyhow::Result<()> {
        // A corrupt file is replaced rather than blocking the chat.
        let mut sessions = self.read().unwrap_or_default();
        sessions.insert(key.to_owned(), session.clone());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("Failed to create {}", dir.display()))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(&sessions).context("Failed to encode sessions")?;
        write_private(&tmp, &json).with_context(|| format!("Failed to write {}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path)
            .with_context(|| format!("Failed to replace {}", self.path.display()))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
