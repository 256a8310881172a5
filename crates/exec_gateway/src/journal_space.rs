//! Zero-filled, synced space ahead of the journal's end, written by a background thread.
//!
//! Why: an `fdatasync` after an append must also commit the file system's metadata (the new file size, the new
//! blocks); on ext4 that waits for the shared jbd2 journal, whose commits also carry every other process's file
//! activity, so the sync takes milliseconds whenever anything else on the machine writes files. Overwriting blocks
//! that already exist and hold (synced) zeros changes no metadata, and the sync flushes our data only: measured on
//! this project's build machine, p99 0.13-0.17 ms instead of 4-6 ms (`benches/gateway_load.py`, docs/gateway.md).
//!
//! The extender never writes where a record is or may be: it starts at or after both the zeroed end and the
//! furthest end the writer has claimed, and a writer that must go past the zeroed end waits for an extension in
//! flight over its range. Zeros after the last record are not damage: the journal's scan stops at a zero header.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// First extension; each later one doubles up to [`MAX_CHUNK`], so a journal that sees few records stays small.
const FIRST_CHUNK: u64 = 64 * 1024;
/// Largest extension. Bigger extensions are rarer, but a commit that lands while one is being flushed waits for it.
const MAX_CHUNK: u64 = 4 * 1024 * 1024;

#[derive(Debug, Default)]
struct State {
    /// The furthest end of a write the journal has started (records live below it).
    claimed: u64,
    /// Bytes being zeroed right now.
    extending: Option<(u64, u64)>,
    /// The writer is running low: extend once more.
    requested: bool,
    /// Size of the next extension.
    chunk: u64,
    /// The journal is closing.
    stop: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// End of the synced zeros: writing below it changes no file size (a gap the writer ran into is the exception:
    /// filling it allocates blocks, as an append would).
    zeroed_end: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent under a panic (plain assignments), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The background preallocation of one journal file.
#[derive(Debug)]
pub(crate) struct Space {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Space {
    /// Starts preallocating after `len` bytes of `file` (the journal's end). Without a thread (none could be
    /// started) the journal simply appends, as without preallocation.
    pub(crate) fn start(file: &File, len: u64) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                claimed: len,
                chunk: FIRST_CHUNK,
                ..State::default()
            }),
            changed: Condvar::new(),
            zeroed_end: AtomicU64::new(len),
        });
        let thread = file.try_clone().ok().and_then(|file| {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("journal-space".into())
                .spawn(move || extend_until_stopped(&file, &shared))
                .ok()
        });
        Self { shared, thread }
    }

    /// Called before the journal writes up to byte `end`: asks for more space when little is left, and waits while
    /// an extension in flight covers part of `[.., end)` (only when the writer outran the extender).
    pub(crate) fn claim(&self, end: u64) {
        let shared = &self.shared;
        let mut state = shared.lock();
        state.claimed = state.claimed.max(end);
        let zeroed = shared.zeroed_end.load(Ordering::Acquire);
        if end.saturating_add(state.chunk) > zeroed && !state.requested {
            state.requested = true;
            shared.changed.notify_all();
        }
        while matches!(state.extending, Some((start, _)) if start < end) {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The file was cut back to `len` (a failed commit): forget the zeroed space past it. Waits for an extension
    /// in flight, so it cannot write zeros after the cut; `cut` runs under the lock.
    pub(crate) fn truncate(&self, len: u64, cut: impl FnOnce()) {
        let shared = &self.shared;
        let mut state = shared.lock();
        while state.extending.is_some() {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
        cut();
        state.claimed = len;
        shared.zeroed_end.store(len, Ordering::Release);
    }

    /// Stops the extender (after an extension in flight) and returns whether zeros may lie past the records.
    pub(crate) fn stop(&mut self) -> bool {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let state = self.shared.lock();
        self.shared.zeroed_end.load(Ordering::Acquire) > state.claimed
    }
}

impl Drop for Space {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The extender: on each request, writes and syncs zeros from the end of everything written so far.
fn extend_until_stopped(file: &File, shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.stop {
            return;
        }
        if !state.requested {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
            continue;
        }
        let len = state.chunk;
        let zeroed = shared.zeroed_end.load(Ordering::Acquire);
        // When the writer has run past the zeroed space, start a chunk beyond its end rather than right at it:
        // its next commits append into the gap (as without preallocation) instead of waiting for this extension.
        let start = if state.claimed > zeroed {
            state.claimed + len
        } else {
            zeroed
        };
        state.chunk = (len * 2).min(MAX_CHUNK);
        state.requested = false;
        state.extending = Some((start, start + len));
        drop(state);
        // Fresh zeroed pages from the allocator: no memset for the buffer itself.
        let zeros = vec![0u8; len as usize];
        let written = file
            .write_all_at(&zeros, start)
            .and_then(|()| file.sync_data());
        state = shared.lock();
        state.extending = None;
        match written {
            Ok(()) => {
                shared.zeroed_end.fetch_max(start + len, Ordering::AcqRel);
            }
            // A full disk or an I/O error: stop preallocating; the journal appends as it would without us (and its
            // own writes report the error where it matters).
            Err(_) => state.stop = true,
        }
        shared.changed.notify_all();
    }
}
