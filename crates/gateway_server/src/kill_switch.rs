//! The kill switch's state on disk, so a restart never silently disengages a switch an operator engaged.
//!
//! One file next to the journal (`<journal>.kill_switch`) holding `on` or `off`, replaced atomically (write a
//! temporary file, fsync, rename, fsync the directory). At start the switch is on when the config says so or
//! the file says `on`.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kill switch file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KillSwitchError {
    /// Reading, writing, syncing or renaming failed.
    #[error("kill switch state {path}: {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file holds something other than `on` or `off`.
    #[error("kill switch state {path}: expected `on` or `off`, found {found:?}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What it holds (first 20 characters).
        found: String,
    },
}

/// Where a journal's kill switch state lives.
pub fn state_path(journal: &Path) -> PathBuf {
    let mut path = journal.as_os_str().to_owned();
    path.push(".kill_switch");
    PathBuf::from(path)
}

/// The persisted state: `None` when the switch was never set through the API.
pub fn load(path: &Path) -> Result<Option<bool>, KillSwitchError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KillSwitchError::Io {
                path: path.to_owned(),
                action: "read",
                source,
            });
        }
    };
    match text.trim() {
        "on" => Ok(Some(true)),
        "off" => Ok(Some(false)),
        other => Err(KillSwitchError::Corrupt {
            path: path.to_owned(),
            found: other.chars().take(20).collect(),
        }),
    }
}

/// Persists `on` durably before the caller reports the change.
pub fn store(path: &Path, on: bool) -> Result<(), KillSwitchError> {
    let io = |action| {
        move |source| KillSwitchError::Io {
            path: path.to_owned(),
            action,
            source,
        }
    };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = File::create(&temporary).map_err(io("create"))?;
    file.write_all(if on { b"on\n" } else { b"off\n" })
        .map_err(io("write"))?;
    file.sync_all().map_err(io("fsync"))?;
    fs::rename(&temporary, path).map_err(io("rename"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("fsync directory"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_loads_and_refuses_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = state_path(&dir.path().join("gateway.journal"));
        assert_eq!(load(&path).unwrap(), None);
        store(&path, true).unwrap();
        assert_eq!(load(&path).unwrap(), Some(true));
        store(&path, false).unwrap();
        assert_eq!(load(&path).unwrap(), Some(false));
        fs::write(&path, "maybe").unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(
            error.contains("expected `on` or `off`") && error.contains("maybe"),
            "{error}"
        );
    }
}
