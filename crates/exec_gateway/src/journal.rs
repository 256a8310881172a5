//! Append-only journal file of length-prefixed, CRC32-checked records with group-commit fsync and replay at open.
//!
//! Record layout: `len: u32 LE | crc32(payload): u32 LE | payload[len]`. At open every record is checked in order.
//! Only the *last* record may be damaged (a torn write: short header, short payload, or a bad checksum on a record
//! followed by nothing but zeros); it is truncated away. Zeros after the last record are not damage: an fsync'd
//! journal keeps zero-filled space ahead of its end (see `journal_space`), cut off again when it closes. A damaged
//! record with data after it is corruption and an error naming its offset: nothing is skipped silently.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::JournalError;
#[path = "journal_space.rs"]
mod space;
use space::Space;

/// Bytes of the record header (length + checksum).
pub const HEADER_LEN: usize = 8;
/// Largest payload accepted (a length above this in the file is damage, not a huge record).
pub const MAX_RECORD_LEN: usize = 16 * 1024 * 1024;

/// Whether `commit` waits for the data to reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `fdatasync` on every commit: a committed record survives power loss.
    Fsync,
    /// Write to the OS on every commit, no sync: survives a process crash, not power loss.
    OsBuffer,
    /// For a venue living in the same process (backtests): commits reach the file in chunks of
    /// [`IN_PROCESS_CHUNK`] bytes and on [`Journal::flush`]. A crash loses the unwritten tail, but the in-process
    /// venue dies with it, so the two cannot disagree. Never use it with a remote venue.
    InProcess,
}

/// Bytes gathered before an [`SyncPolicy::InProcess`] journal writes.
pub const IN_PROCESS_CHUNK: usize = 1 << 20;

/// What opening found at the end of the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TailRepair {
    /// Bytes truncated away after the last intact record because they held a torn record (0 when the file was
    /// clean, or when all that followed were zeros: unused preallocated space, cut off without being counted).
    pub truncated_bytes: u64,
}

/// An open journal: committed records are durable (per [`SyncPolicy`]); appended ones wait in memory for `commit`.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    policy: SyncPolicy,
    pending: Vec<u8>,
    pending_records: usize,
    committed_len: u64,
    /// Zeroed space ahead of the end, so commits overwrite instead of append (`Fsync` only: without a sync there
    /// is no metadata commit to avoid).
    space: Option<Space>,
    /// Set by a failed write or sync: what is on disk past `committed_len` is unknown (a failed fsync may drop
    /// dirty pages), and the records queued then were dropped, including ones a caller may hold answers for
    /// until the next commit (the server's pipelined group commits). So every later commit fails too, until the
    /// journal is reopened (replay, and reconciliation with the venue).
    failed: Option<(std::io::ErrorKind, String)>,
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`, returns it with every intact record's payload, in order.
    pub fn open(
        path: &Path,
        policy: SyncPolicy,
    ) -> Result<(Journal, Vec<Vec<u8>>, TailRepair), JournalError> {
        let io = |action: &'static str| {
            move |source| JournalError::Io {
                path: path.to_owned(),
                action,
                source,
            }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io("open"))?;
        // One writer per journal: a second gateway on the same file would interleave records.
        if let Err(error) = file.try_lock() {
            return Err(match error {
                std::fs::TryLockError::WouldBlock => JournalError::Locked {
                    path: path.to_owned(),
                },
                std::fs::TryLockError::Error(source) => io("lock")(source),
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io("read"))?;
        let (records, valid_len) = scan(path, &bytes)?;
        let tail = &bytes[valid_len as usize..];
        let repair = TailRepair {
            truncated_bytes: if is_zero(tail) { 0 } else { tail.len() as u64 },
        };
        if !tail.is_empty() {
            file.set_len(valid_len).map_err(io("truncate torn tail"))?;
            file.sync_all().map_err(io("sync after truncation"))?;
        }
        file.seek(SeekFrom::Start(valid_len)).map_err(io("seek"))?;
        let space = (policy == SyncPolicy::Fsync).then(|| Space::start(&file, valid_len));
        let journal = Journal {
            path: path.to_owned(),
            file,
            policy,
            pending: Vec::new(),
            pending_records: 0,
            committed_len: valid_len,
            space,
            failed: None,
        };
        Ok((journal, records, repair))
    }

    /// Queues one record; nothing reaches the file until [`Journal::commit`].
    pub fn append(&mut self, payload: &[u8]) -> Result<(), JournalError> {
        self.append_with(|out| out.extend_from_slice(payload))
    }

    /// Queues one record whose payload `encode` writes straight into the pending buffer (no copy per record).
    pub fn append_with(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Result<(), JournalError> {
        let start = self.pending.len();
        self.pending.extend_from_slice(&[0; HEADER_LEN]);
        encode(&mut self.pending);
        let len = self.pending.len() - start - HEADER_LEN;
        if len == 0 || len > MAX_RECORD_LEN {
            self.pending.truncate(start);
            return Err(JournalError::InvalidRecordLength {
                path: self.path.clone(),
                len,
                max: MAX_RECORD_LEN,
            });
        }
        let crc = crc32fast::hash(&self.pending[start + HEADER_LEN..]);
        self.pending[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
        self.pending[start + 4..start + HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
        self.pending_records += 1;
        Ok(())
    }

    /// Writes every queued record in one write and, under [`SyncPolicy::Fsync`], one `fdatasync` (group commit).
    /// Returns how many records were committed.
    pub fn commit(&mut self) -> Result<usize, JournalError> {
        self.check_not_failed()?;
        if self.pending.is_empty()
            || (self.policy == SyncPolicy::InProcess && self.pending.len() < IN_PROCESS_CHUNK)
        {
            return Ok(0);
        }
        self.write_pending()
    }

    /// Writes whatever is queued, under every policy, and syncs it unless the policy is `OsBuffer`.
    pub fn flush(&mut self) -> Result<usize, JournalError> {
        self.check_not_failed()?;
        if self.pending.is_empty() {
            return Ok(0);
        }
        self.write_pending()
    }

    #[cfg(not(test))]
    fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    /// In tests, a sync can be made to fail (an fsync error cannot be provoked on an ordinary file system).
    #[cfg(test)]
    fn sync(&self) -> std::io::Result<()> {
        if tests::FAIL_SYNC.with(std::cell::Cell::get) {
            return Err(std::io::Error::other("injected fsync failure"));
        }
        self.file.sync_data()
    }

    fn check_not_failed(&mut self) -> Result<(), JournalError> {
        let Some((kind, why)) = &self.failed else {
            return Ok(());
        };
        self.pending.clear();
        self.pending_records = 0;
        Err(JournalError::Io {
            path: self.path.clone(),
            action: "commit after an earlier write or fsync failed (reopen the journal)",
            source: std::io::Error::new(*kind, why.clone()),
        })
    }

    fn write_pending(&mut self) -> Result<usize, JournalError> {
        let io = |action: &'static str| {
            let path = self.path.clone();
            move |source| JournalError::Io {
                path,
                action,
                source,
            }
        };
        if let Some(space) = &self.space {
            space.claim(self.committed_len + self.pending.len() as u64);
        }
        let written = self.file.write_all(&self.pending).map_err(io("write"));
        let durable = written.and_then(|()| match self.policy {
            SyncPolicy::OsBuffer => Ok(()),
            SyncPolicy::Fsync | SyncPolicy::InProcess => self.sync().map_err(io("fsync")),
        });
        if let Err(error) = durable {
            if let JournalError::Io { source, .. } = &error {
                self.failed = Some((source.kind(), source.to_string()));
            }
            // Cut a partial or unsynced write back off and drop the records: the caller learns they are not
            // durable and must not act on them, and a later commit cannot write them twice.
            let (file, len) = (&self.file, self.committed_len);
            match &self.space {
                Some(space) => space.truncate(len, || {
                    let _ = file.set_len(len);
                }),
                None => {
                    let _ = file.set_len(len);
                }
            }
            let _ = self.file.seek(SeekFrom::Start(self.committed_len));
            self.pending.clear();
            self.pending_records = 0;
            return Err(error);
        }
        self.committed_len += self.pending.len() as u64;
        self.pending.clear();
        Ok(std::mem::take(&mut self.pending_records))
    }

    /// Appends all `payloads` and commits them together.
    pub fn append_batch<'a>(
        &mut self,
        payloads: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<usize, JournalError> {
        for payload in payloads {
            self.append(payload)?;
        }
        self.commit()
    }

    /// Records queued but not yet committed (lost if the process dies now).
    pub fn pending_records(&self) -> usize {
        self.pending_records
    }

    /// Bytes committed to the file.
    pub fn committed_len(&self) -> u64 {
        self.committed_len
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Journal {
    /// Cuts the preallocated zeros off, so a closed journal is exactly its records (uncommitted ones are dropped,
    /// as a crash would drop them).
    fn drop(&mut self) {
        if let Some(mut space) = self.space.take() {
            space.stop();
            let _ = self.file.set_len(self.committed_len);
        }
    }
}

/// Reads the intact records of the journal at `path` without opening it for writing: no lock, no repair (a torn
/// tail is left where it is). For inspection tools and tests, while a gateway may hold the journal open.
pub fn read_records(path: &Path) -> Result<Vec<Vec<u8>>, JournalError> {
    let bytes = std::fs::read(path).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        action: "read",
        source,
    })?;
    Ok(scan(path, &bytes)?.0)
}

/// Encodes one record exactly as the journal writes it (header + payload); used to build torn tails in tests.
pub fn encode_record(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks every record; returns the payloads and the length of the intact prefix.
fn scan(path: &Path, bytes: &[u8]) -> Result<(Vec<Vec<u8>>, u64), JournalError> {
    let mut records = Vec::new();
    let mut offset = 0usize;
    let corrupt = |offset: usize, why: String| JournalError::Corrupt {
        path: path.to_owned(),
        offset: offset as u64,
        why,
    };
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        if rest.len() < HEADER_LEN {
            break; // torn header at the tail
        }
        let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        if len == 0 || len > MAX_RECORD_LEN {
            // Zeros: preallocated space, or what some filesystems leave after a crash mid-append.
            if is_zero(rest) {
                break;
            }
            return Err(corrupt(offset, format!("invalid record length {len}")));
        }
        if rest.len() < HEADER_LEN + len {
            break; // torn payload at the tail
        }
        let payload = &rest[HEADER_LEN..HEADER_LEN + len];
        if crc32fast::hash(payload) != crc {
            if is_zero(&rest[HEADER_LEN + len..]) {
                break; // the last record, partly written (into preallocated zeros or at the end): torn
            }
            return Err(corrupt(
                offset,
                format!("checksum mismatch on a {len}-byte record followed by more data"),
            ));
        }
        records.push(payload.to_vec());
        offset += HEADER_LEN + len;
    }
    Ok((records, offset as u64))
}

fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
