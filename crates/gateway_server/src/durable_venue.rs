//! The simulated venue made to outlive the gateway process: every call is logged before it runs, replayed at start.
//!
//! A real broker keeps its orders when our gateway crashes; an in-memory `SimVenue` would not, and after a restart
//! the gateway would find its working orders "unknown to the venue" and halt. So the server's venue writes each
//! call (one JSON line, written before the call runs, no fsync: it survives a process crash, not a power cut)
//! and replays the log into a fresh `SimVenue` at start. The simulator is deterministic (its fault generator is
//! seeded), so the same calls in the same order rebuild the same state. A torn last line is the call that was being
//! logged when the process died; it never ran, so it is dropped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use exec_gateway::error::VenueError;
use exec_gateway::matching::Bar;
use exec_gateway::order::{ClientOrderId, OrderIntent};
use exec_gateway::sim::{SimConfig, SimVenue};
use exec_gateway::venue::{Venue, VenueAck, VenueEvent, VenueOrder, VenuePosition};
use serde::{Deserialize, Serialize};

/// One venue call, as logged.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
enum Call {
    Submit {
        intent: OrderIntent,
    },
    Replace {
        old: ClientOrderId,
        new: OrderIntent,
    },
    Cancel {
        id: ClientOrderId,
    },
    Order {
        id: ClientOrderId,
    },
    Positions,
    Poll,
    Bar {
        bar: Bar,
    },
}

/// The venue state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VenueLogError {
    /// Opening, reading, locking or truncating the file failed.
    #[error("venue state {path}: {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Another gateway process holds the file.
    #[error("venue state {path}: already in use by another gateway (locked)")]
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// A complete line that is not a venue call: damage, not a torn tail, so nothing is dropped.
    #[error("venue state {path}:{line}: not a venue call: {why}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parser's message.
        why: String,
    },
}

/// A `SimVenue` whose state survives the process (see the module docs).
#[derive(Debug)]
pub struct DurableSimVenue {
    inner: SimVenue,
    log: File,
    path: PathBuf,
    /// The line being written, reused so a call costs no allocation for it.
    line: Vec<u8>,
}

impl DurableSimVenue {
    /// Opens (creating if needed) the state file at `path`, replays it into a fresh simulator; returns the venue
    /// and how many calls were replayed.
    pub fn open(path: &Path, config: SimConfig) -> Result<(Self, usize), VenueLogError> {
        let io = |action: &'static str| {
            move |source| VenueLogError::Io {
                path: path.to_owned(),
                action,
                source,
            }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io("open"))?;
        file.try_lock().map_err(|error| match error {
            std::fs::TryLockError::WouldBlock => VenueLogError::Locked {
                path: path.to_owned(),
            },
            std::fs::TryLockError::Error(source) => io("lock")(source),
        })?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io("read"))?;
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            file.set_len(complete as u64)
                .map_err(io("truncate torn tail"))?;
        }
        let mut inner = SimVenue::new(config);
        let mut replayed = 0;
        for (index, line) in text[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let call: Call = serde_json::from_slice(line).map_err(|e| VenueLogError::Corrupt {
                path: path.to_owned(),
                line: index + 1,
                why: e.to_string(),
            })?;
            // Results are ignored: the same call on the same state gives the same result it gave the first time.
            let _ = run(&mut inner, &call);
            replayed += 1;
        }
        let venue = Self {
            inner,
            log: file,
            path: path.to_owned(),
            line: Vec::new(),
        };
        Ok((venue, replayed))
    }

    /// Writes the call before it runs. A write failure means the venue never saw the request (a retryable
    /// disconnect for the gateway, which then asks before resending).
    fn record(&mut self, call: &Call) -> Result<(), VenueError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, call).map_err(|_| VenueError::Disconnected)?;
        self.line.push(b'\n');
        self.log.write_all(&self.line).map_err(|error| {
            eprintln!(
                "trader-gateway: venue state {}: write: {error}",
                self.path.display()
            );
            VenueError::Disconnected
        })
    }

    /// Matches working orders against `bar` (see `SimVenue::on_bar`).
    pub fn on_bar(&mut self, bar: &Bar) -> Result<(), String> {
        bar.validate()
            .map_err(|why| format!("invalid bar: {why}"))?;
        let call = Call::Bar { bar: bar.clone() };
        self.record(&call).map_err(|e| e.to_string())?;
        self.inner.on_bar(bar).map_err(|e| e.to_string())
    }

    /// The simulator (read-only: every change must go through the log).
    pub fn sim(&self) -> &SimVenue {
        &self.inner
    }
}

/// What a replayed or live call returns.
enum Outcome {
    Ack(Result<VenueAck, VenueError>),
    Unit(Result<(), VenueError>),
    Order(Result<Option<VenueOrder>, VenueError>),
    Positions(Result<Vec<VenuePosition>, VenueError>),
    Events(Vec<VenueEvent>),
}

fn run(venue: &mut SimVenue, call: &Call) -> Outcome {
    match call {
        Call::Submit { intent } => Outcome::Ack(venue.submit(intent)),
        Call::Replace { old, new } => Outcome::Ack(venue.replace(old, new)),
        Call::Cancel { id } => Outcome::Unit(venue.cancel(id)),
        Call::Order { id } => Outcome::Order(venue.order(id)),
        Call::Positions => Outcome::Positions(venue.positions()),
        Call::Poll => Outcome::Events(venue.poll_events()),
        Call::Bar { bar } => Outcome::Unit(venue.on_bar(bar).map_err(|e| VenueError::Rejected {
            reason: e.to_string(),
        })),
    }
}

impl DurableSimVenue {
    fn call(&mut self, call: Call) -> Result<Outcome, VenueError> {
        self.record(&call)?;
        Ok(run(&mut self.inner, &call))
    }
}

impl Venue for DurableSimVenue {
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        match self.call(Call::Submit {
            intent: intent.clone(),
        })? {
            Outcome::Ack(result) => result,
            _ => unreachable!("submit answers with an ack"),
        }
    }

    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError> {
        let call = Call::Replace {
            old: old.clone(),
            new: new.clone(),
        };
        match self.call(call)? {
            Outcome::Ack(result) => result,
            _ => unreachable!("replace answers with an ack"),
        }
    }

    fn cancel(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        match self.call(Call::Cancel { id: id.clone() })? {
            Outcome::Unit(result) => result,
            _ => unreachable!("cancel answers with a unit"),
        }
    }

    fn order(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        match self.call(Call::Order { id: id.clone() })? {
            Outcome::Order(result) => result,
            _ => unreachable!("a lookup answers with an order"),
        }
    }

    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError> {
        match self.call(Call::Positions)? {
            Outcome::Positions(result) => result,
            _ => unreachable!("positions answers with positions"),
        }
    }

    fn poll_events(&mut self) -> Vec<VenueEvent> {
        // An unlogged poll must not run (it drains events and draws from the fault generator).
        match self.call(Call::Poll) {
            Ok(Outcome::Events(events)) => events,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use exec_gateway::order::{OrderKind, OrderStatus, Side, Symbol, TimeInForce};

    use super::*;

    fn intent(id: &str) -> OrderIntent {
        OrderIntent {
            client_order_id: ClientOrderId::new(id).unwrap(),
            symbol: Symbol::new("AAPL").unwrap(),
            side: Side::Buy,
            quantity: "10".parse().unwrap(),
            kind: OrderKind::Limit {
                limit: "100".parse().unwrap(),
            },
            time_in_force: TimeInForce::Gtc,
            strategy: None,
        }
    }

    #[test]
    fn state_survives_reopen_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("venue");
        let (mut venue, replayed) = DurableSimVenue::open(&path, SimConfig::default()).unwrap();
        assert_eq!(replayed, 0);
        venue.submit(&intent("a")).unwrap();
        venue.submit(&intent("b")).unwrap();
        venue.cancel(&ClientOrderId::new("b").unwrap()).unwrap();
        let bar = Bar {
            symbol: Symbol::new("AAPL").unwrap(),
            timestamp_ns: 1,
            open: "100".parse().unwrap(),
            high: "100".parse().unwrap(),
            low: "99".parse().unwrap(),
            close: "99".parse().unwrap(),
            volume: "1000".parse().unwrap(),
        };
        venue.on_bar(&bar).unwrap();
        let before = venue.sim().order_snapshots();
        drop(venue);
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"call\":\"submit\",\"inte")
            .unwrap();

        let (mut venue, replayed) = DurableSimVenue::open(&path, SimConfig::default()).unwrap();
        assert_eq!(replayed, 4);
        assert_eq!(venue.sim().order_snapshots(), before);
        assert_eq!(before[0].status, OrderStatus::Filled);
        assert_eq!(before[1].status, OrderStatus::Canceled);
        assert_eq!(
            venue.submit(&intent("a")),
            Err(VenueError::DuplicateClientOrderId(
                ClientOrderId::new("a").unwrap()
            )),
            "the venue still knows the id after a restart"
        );
        assert!(!std::fs::read(&path).unwrap().ends_with(b"inte"));
    }

    #[test]
    fn a_second_process_is_locked_out_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("venue");
        let (_held, _) = DurableSimVenue::open(&path, SimConfig::default()).unwrap();
        let locked = DurableSimVenue::open(&path, SimConfig::default()).unwrap_err();
        assert!(matches!(locked, VenueLogError::Locked { .. }), "{locked}");

        let damaged = dir.path().join("damaged");
        std::fs::write(&damaged, "{\"call\":\"positions\"}\nnot json\n").unwrap();
        let error = DurableSimVenue::open(&damaged, SimConfig::default()).unwrap_err();
        assert!(
            error.to_string().contains("damaged:2: not a venue call"),
            "{error}"
        );
    }
}
