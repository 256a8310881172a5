//! The event log behind StreamEvents: the gateway journal, followed record by record, as sequenced wire events.
//!
//! Sequence numbers are journal record positions (from 1), so they are gap-free and the same after a restart:
//! a client that saw sequence `n` resumes with `from_sequence = n + 1`. Only committed bytes are read (the tail
//! is followed after each commit), and a committed record is never dropped at reopen, so a sequence once streamed
//! always means the same fact.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use exec_gateway::journal::HEADER_LEN;
use exec_gateway::record::{JournalRecord, decode};
use tokio::sync::watch;

use crate::convert::{intent_to_wire, order_event_to_wire};
use crate::pb;

/// Reading the journal for events failed.
#[derive(Debug, thiserror::Error)]
pub enum EventLogError {
    /// The journal file could not be opened or read.
    #[error("journal {path}: {action}: {source}")]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A committed record is damaged or not a gateway record.
    #[error("journal {path}: record {sequence} at byte {offset}: {why}")]
    Record {
        /// The journal file.
        path: PathBuf,
        /// Its sequence number.
        sequence: u64,
        /// Byte offset of its header.
        offset: u64,
        /// What is wrong.
        why: String,
    },
}

/// Follows the journal file from the start, turning each complete record into a wire event.
#[derive(Debug)]
pub struct JournalTail {
    path: PathBuf,
    file: File,
    offset: u64,
    next_sequence: u64,
    buffer: Vec<u8>,
}

impl JournalTail {
    /// Opens the journal at `path` for reading, positioned before its first record.
    pub fn open(path: &Path) -> Result<Self, EventLogError> {
        let file = File::open(path).map_err(|source| EventLogError::Io {
            path: path.to_owned(),
            action: "open for reading",
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            file,
            offset: 0,
            next_sequence: 1,
            buffer: Vec::new(),
        })
    }

    /// Every complete record written since the last call, as events. A partial record at the end stays for later.
    /// A zero header is where the records end (an fsync'd journal keeps zeroed space ahead of its end): the zeros
    /// are not kept, they are read again next time, by when records may have replaced them.
    pub fn read_new(&mut self) -> Result<Vec<pb::GatewayEvent>, EventLogError> {
        let mut events = Vec::new();
        loop {
            // In steps, not to the end of the file: past the records may lie megabytes of zeros.
            let filled = self.buffer.len();
            self.buffer.resize(filled + READ_STEP, 0);
            let position = self.offset + filled as u64;
            let read = self.file.read_at(&mut self.buffer[filled..], position);
            let read = read.map_err(|source| EventLogError::Io {
                path: self.path.clone(),
                action: "read",
                source,
            })?;
            self.buffer.truncate(filled + read);
            let (consumed, at_zeros) = self.parse(&mut events)?;
            self.buffer.drain(..consumed);
            self.offset += consumed as u64;
            if at_zeros {
                self.buffer.clear();
                return Ok(events);
            }
            if read == 0 {
                return Ok(events);
            }
        }
    }

    /// Turns the complete records at the start of the buffer into events; returns the bytes they took and whether
    /// a zero header (the end of the records) followed them.
    fn parse(
        &mut self,
        events: &mut Vec<pb::GatewayEvent>,
    ) -> Result<(usize, bool), EventLogError> {
        let mut at = 0;
        while self.buffer.len() - at >= HEADER_LEN {
            let header = &self.buffer[at..at + HEADER_LEN];
            let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
            let crc = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
            if len == 0 {
                return Ok((at, true));
            }
            if self.buffer.len() - at - HEADER_LEN < len {
                break;
            }
            let payload = &self.buffer[at + HEADER_LEN..at + HEADER_LEN + len];
            let fail = |why: String| EventLogError::Record {
                path: self.path.clone(),
                sequence: self.next_sequence,
                offset: self.offset + at as u64,
                why,
            };
            if crc32fast::hash(payload) != crc {
                return Err(fail("checksum mismatch".into()));
            }
            let record = decode(payload).map_err(|e| fail(format!("undecodable: {e}")))?;
            let mut event = match record {
                JournalRecord::Intent { intent, replaces } => pb::GatewayEvent {
                    client_order_id: intent.client_order_id.to_string(),
                    kind: "submitted".into(),
                    replaces: replaces.map(|id| id.to_string()).unwrap_or_default(),
                    intent: Some(intent_to_wire(&intent)),
                    ..pb::GatewayEvent::default()
                },
                JournalRecord::Event {
                    client_order_id,
                    event,
                } => order_event_to_wire(&client_order_id, &event),
            };
            event.sequence = self.next_sequence;
            self.next_sequence += 1;
            events.push(event);
            at += HEADER_LEN + len;
        }
        Ok((at, false))
    }
}

/// Bytes read from the journal per step.
const READ_STEP: usize = 16 * 1024;

/// Events per chunk of the log. Chunks are never reallocated, so an append never copies earlier events: one
/// growing `Vec` copied every event on each doubling (tens of MB after 100k orders), under the lock, and the
/// gateway worker stalled for milliseconds while it did.
const CHUNK: usize = 4096;

/// The events, in sequence order, in fixed-capacity chunks.
#[derive(Debug, Default)]
struct Chunks {
    chunks: Vec<Vec<pb::GatewayEvent>>,
    len: usize,
}

impl Chunks {
    fn push(&mut self, event: pb::GatewayEvent) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(event),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(event);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Up to `max` events from index `start` on.
    fn read(&self, start: usize, max: usize) -> Vec<pb::GatewayEvent> {
        let end = start.saturating_add(max).min(self.len);
        let mut out = Vec::with_capacity(end.saturating_sub(start));
        let mut at = start;
        while at < end {
            let chunk = &self.chunks[at / CHUNK];
            let from = at % CHUNK;
            let to = (from + (end - at)).min(chunk.len());
            out.extend_from_slice(&chunk[from..to]);
            at += to - from;
        }
        out
    }
}

/// Every event so far, shared between the gateway worker (writer) and the streams (readers).
#[derive(Debug, Clone)]
pub struct EventLog {
    events: Arc<Mutex<Chunks>>,
    last: watch::Sender<u64>,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            events: Arc::default(),
            last: watch::Sender::new(0),
        }
    }
}

impl EventLog {
    fn lock(&self) -> MutexGuard<'_, Chunks> {
        // A panic while holding the lock leaves consistent chunks (push is the only mutation), so keep going.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends events (already numbered in order) and wakes the streams.
    pub fn extend(&self, new: Vec<pb::GatewayEvent>) {
        let Some(last) = new.last().map(|e| e.sequence) else {
            return;
        };
        let mut events = self.lock();
        for event in new {
            events.push(event);
        }
        drop(events);
        self.last.send_replace(last);
    }

    /// Events with sequence `>= from`, at most `max` of them.
    pub fn read_from(&self, from: u64, max: usize) -> Vec<pb::GatewayEvent> {
        let events = self.lock();
        // Sequence n sits at index n - 1: the log holds every record from the first.
        let start = usize::try_from(from.max(1) - 1)
            .unwrap_or(usize::MAX)
            .min(events.len);
        events.read(start, max)
    }

    /// The last sequence number (0 when empty).
    pub fn last_sequence(&self) -> u64 {
        *self.last.borrow()
    }

    /// A receiver that changes whenever events are appended.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.last.subscribe()
    }
}

#[cfg(test)]
mod tests {
    //! Property: across chunk boundaries, `read_from(from, max)` returns exactly the events numbered
    //! `from..from + max` that exist, in order. And the tail of an fsync'd journal (zeroed space after the
    //! records) yields each record once, in order, however the commits and reads interleave.

    use exec_gateway::journal::{Journal, SyncPolicy};
    use exec_gateway::order::{ClientOrderId, OrderEvent};
    use exec_gateway::record::RecordRef;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_tail_stops_at_the_zeroed_space_and_reads_what_later_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut journal, _, _) = Journal::open(&path, SyncPolicy::Fsync).unwrap();
        let mut tail = JournalTail::open(&path).unwrap();
        let mut seen = Vec::new();
        for batch in 0..300u64 {
            for i in 0..(batch % 7) {
                let id = ClientOrderId::new(format!("o-{batch}-{i}")).unwrap();
                let event = OrderEvent::Canceled;
                journal
                    .append_with(|out| {
                        RecordRef::Event {
                            client_order_id: &id,
                            event: &event,
                        }
                        .encode(out)
                    })
                    .unwrap();
            }
            journal.commit().unwrap();
            if batch == 1 {
                // Let the zeroed space appear, so every later read meets zeros after the records.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while std::fs::metadata(&path).unwrap().len() <= journal.committed_len() {
                    assert!(std::time::Instant::now() < deadline, "no zeroed space");
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            }
            if batch % 3 == 0 {
                seen.extend(tail.read_new().unwrap());
            }
        }
        seen.extend(tail.read_new().unwrap());
        let want: Vec<String> = (0..300u64)
            .flat_map(|b| (0..b % 7).map(move |i| format!("o-{b}-{i}")))
            .collect();
        let got: Vec<String> = seen.iter().map(|e| e.client_order_id.clone()).collect();
        assert_eq!(got, want);
        let sequences: Vec<u64> = seen.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, (1..=want.len() as u64).collect::<Vec<_>>());
    }

    fn log_of(count: u64) -> EventLog {
        let log = EventLog::default();
        let events = (1..=count).map(|sequence| pb::GatewayEvent {
            sequence,
            ..pb::GatewayEvent::default()
        });
        // Appended in uneven batches, as the worker does.
        let all: Vec<_> = events.collect();
        for batch in all.chunks(777) {
            log.extend(batch.to_vec());
        }
        log
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn reads_are_exact_across_chunks(count in 0u64..(3 * CHUNK as u64), from in 0u64..(4 * CHUNK as u64), max in 0usize..(2 * CHUNK)) {
            let log = log_of(count);
            prop_assert_eq!(log.last_sequence(), count);
            let got: Vec<u64> = log.read_from(from, max).iter().map(|e| e.sequence).collect();
            let want: Vec<u64> = (from.max(1)..=count).take(max).collect();
            prop_assert_eq!(got, want);
        }
    }
}
