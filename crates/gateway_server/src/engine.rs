//! The gateway worker: one thread owns the `Gateway` and serves commands from an mpsc queue in arrival order.
//!
//! Submits that queue up together share journal fsyncs (group commit), and the commits are pipelined: one fsync
//! makes both the intents of the new group and the acknowledgements of the group before it durable, so under
//! steady load there is one fsync per group, not two. A group's answers go out only after the commit that holds
//! its acknowledgements (an acknowledged order is on disk before its answer), and an intent is on disk before the
//! venue sees it. After each round the journal tail is read into the event log, which feeds StreamEvents.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use alpaca_venue::AlpacaVenue;
use exec_gateway::breaker::BreakerState;
use exec_gateway::error::GatewayError;
use exec_gateway::gateway::{Gateway, GatewayConfig, Submitted};
use exec_gateway::matching::Bar;
use exec_gateway::money::Quantity;
use exec_gateway::order::{ClientOrderId, Order, OrderIntent, Symbol};
use exec_gateway::recovery::RecoveryReport;
use exec_gateway::sim::SimConfig;
use tokio::sync::{mpsc, oneshot};

use crate::alpaca_config::AlpacaSettings;
use crate::api_error::ApiError;
use crate::durable_venue::DurableSimVenue;
use crate::events::{EventLog, JournalTail};
use crate::kill_switch;
use crate::metrics::Metrics;
use crate::server_venue::ServerVenue;

/// Most commands served in one round (and so the largest group commit).
const MAX_BATCH: usize = 512;

type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// What the gateway reports about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSnapshot {
    /// The kill switch is on.
    pub kill_switch: bool,
    /// `closed`, `open`, `half_open` or `none`.
    pub breaker: &'static str,
    /// Why the gateway is halted, if it is.
    pub halted: Option<String>,
    /// Orders not yet terminal.
    pub open_orders: usize,
    /// Orders the simulated venue holds.
    pub venue_orders: usize,
    /// Submits the simulated venue refused as a reused client order id.
    pub venue_refused_duplicates: u64,
}

enum Command {
    Submit(OrderIntent, Reply<Submitted>),
    Replace(ClientOrderId, OrderIntent, Reply<Submitted>),
    Cancel(ClientOrderId, Reply<Order>),
    Get(ClientOrderId, Reply<Order>),
    List(bool, Reply<Vec<Order>>),
    Positions(Reply<Vec<(Symbol, Quantity)>>),
    SetKillSwitch(bool, Reply<bool>),
    Health(Reply<HealthSnapshot>),
    Bar(Bar, Reply<usize>),
    /// Ask the venue what happened (Alpaca: sent on a timer; no one waits for the answer).
    Poll,
}

/// How to open the gateway.
#[derive(Debug)]
pub struct EngineConfig {
    /// The journal file.
    pub journal: PathBuf,
    /// The core's settings.
    pub gateway: GatewayConfig,
    /// The simulated venue's settings.
    pub sim: SimConfig,
    /// Where the simulated venue keeps its state across restarts.
    pub venue_state: PathBuf,
    /// Trade on Alpaca instead of the simulator.
    pub alpaca: Option<AlpacaSettings>,
}

/// A cheap, cloneable handle to the gateway worker.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Command>,
    /// The event log (readable without going through the worker).
    pub events: EventLog,
    /// The server's metrics.
    pub metrics: Arc<Metrics>,
}

/// The running worker thread; it ends once every handle is dropped.
#[derive(Debug)]
pub struct Engine {
    /// Handle for the front ends.
    pub handle: EngineHandle,
    /// What opening the journal found.
    pub recovery: RecoveryReport,
    thread: JoinHandle<()>,
}

impl Engine {
    /// Opens the journal (replay and reconciliation happen here) and starts the worker thread.
    pub fn start(config: EngineConfig, metrics: Arc<Metrics>) -> Result<Self, String> {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let poll_interval = config.alpaca.as_ref().map(|a| a.tick);
        let events = EventLog::default();
        let (opened_tx, opened_rx) = std::sync::mpsc::channel();
        let worker_events = events.clone();
        let worker_metrics = Arc::clone(&metrics);
        let thread = std::thread::Builder::new()
            .name("gateway-worker".into())
            .spawn(move || {
                let switch_file = kill_switch::state_path(&config.journal);
                let opened = kill_switch::load(&switch_file)
                    .map_err(|e| e.to_string())
                    .and_then(|persisted| {
                        // Config `kill_switch = true` always engages; otherwise the last state set through the API.
                        let on = config.gateway.limits.kill_switch || persisted == Some(true);
                        let venue = match &config.alpaca {
                            Some(alpaca) => ServerVenue::Alpaca(AlpacaVenue::new(&alpaca.config)),
                            None => DurableSimVenue::open(&config.venue_state, config.sim)
                                .map(|(venue, _)| ServerVenue::Sim(venue))
                                .map_err(|e| e.to_string())?,
                        };
                        let mut gateway_config = config.gateway;
                        gateway_config.limits.kill_switch = on;
                        Gateway::open(&config.journal, venue, gateway_config)
                            .map(|(gateway, report)| (gateway, report, on))
                            .map_err(|e| e.to_string())
                    })
                    .and_then(|(mut gateway, report, on)| {
                        if gateway.venue().needs_polling() {
                            // A real broker: its positions must equal the sum of our fills, or we take no new risk.
                            let _ = gateway.check_positions();
                        }
                        let tail = JournalTail::open(&config.journal).map_err(|e| e.to_string())?;
                        Ok((gateway, report, tail, on))
                    });
                let (gateway, report, tail, kill_switch) = match opened {
                    Ok(opened) => opened,
                    Err(error) => {
                        let _ = opened_tx.send(Err(error));
                        return;
                    }
                };
                let _ = opened_tx.send(Ok(report));
                worker_metrics.kill_switch.set(i64::from(kill_switch));
                let mut worker = Worker {
                    gateway,
                    tail,
                    events: worker_events,
                    metrics: worker_metrics,
                    kill_switch,
                    switch_file,
                };
                worker.sync_events();
                worker.run(rx);
            })
            .map_err(|e| format!("cannot start the gateway worker thread: {e}"))?;
        let recovery = opened_rx
            .recv()
            .map_err(|_| "the gateway worker stopped while opening".to_owned())??;
        if let Some(interval) = poll_interval {
            start_poller(tx.downgrade(), interval)?;
        }
        Ok(Self {
            handle: EngineHandle {
                tx,
                events,
                metrics,
            },
            recovery,
            thread,
        })
    }

    /// Waits for the worker to finish (after every handle is dropped); the journal is flushed by then.
    pub fn join(self) {
        let Self { handle, thread, .. } = self;
        drop(handle);
        let _ = thread.join();
    }
}

/// Sends `Poll` every `interval` until the engine's queue closes (it holds only a weak sender, so it never keeps
/// the worker alive).
fn start_poller(
    tx: mpsc::WeakSender<Command>,
    interval: std::time::Duration,
) -> Result<(), String> {
    std::thread::Builder::new()
        .name("venue-poller".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                let Some(tx) = tx.upgrade() else { return };
                // A full queue means the worker is busy anyway; skip this tick.
                let _ = tx.try_send(Command::Poll);
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the venue poller thread: {e}"))
}

struct Worker {
    gateway: Gateway<ServerVenue>,
    tail: JournalTail,
    events: EventLog,
    metrics: Arc<Metrics>,
    kill_switch: bool,
    switch_file: PathBuf,
}

/// Answers computed but not yet sendable: their acknowledgements wait in the journal for the next commit.
type Unanswered = Vec<(Reply<Submitted>, Result<Submitted, GatewayError>)>;

impl Worker {
    fn run(&mut self, mut rx: mpsc::Receiver<Command>) {
        let mut unanswered: Unanswered = Vec::new();
        loop {
            let mut batch = Vec::new();
            if unanswered.is_empty() {
                // Nothing waits for a commit: sleep until a command comes.
                match rx.blocking_recv() {
                    Some(first) => batch.push(first),
                    None => break,
                }
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(command) => batch.push(command),
                    Err(_) => break,
                }
            }
            if batch.iter().all(|c| matches!(c, Command::Submit(..))) {
                unanswered = self.submit_pipelined(batch, unanswered);
            } else {
                // Anything else runs in order after the previous group is answered, each command committing itself.
                let committed = self.gateway.commit_journal();
                self.answer(std::mem::take(&mut unanswered), committed);
                self.serve(batch);
            }
            self.sync_events();
        }
        let committed = self.gateway.commit_journal();
        self.answer(unanswered, committed);
        // Everything is committed by now; flushing is a no-op safety net for buffered policies.
        let _ = self.gateway.flush_journal();
    }

    /// One round of the pipeline: admit the new submits, commit (their intents and the previous group's
    /// acknowledgements), answer the previous group, send the new one. Returns the new group's answers, which wait
    /// for the next round's commit.
    fn submit_pipelined(&mut self, batch: Vec<Command>, previous: Unanswered) -> Unanswered {
        let (intents, replies): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|command| match command {
                Command::Submit(intent, reply) => (intent, reply),
                _ => unreachable!("only submits are pipelined"),
            })
            .unzip();
        let start = Instant::now();
        let admitted = self.gateway.admit_batch(intents);
        let committed = self.gateway.commit_journal();
        let results = match &committed {
            Ok(()) => self.gateway.send_batch(admitted),
            Err(error) => self.gateway.abandon_batch(admitted, error),
        };
        self.metrics
            .submit_batch_seconds
            .observe(start.elapsed().as_secs_f64());
        self.answer(previous, committed);
        replies.into_iter().zip(results).collect()
    }

    /// Sends answers whose acknowledgements `committed` was to make durable; if it failed, they are failures.
    fn answer(&self, unanswered: Unanswered, committed: Result<(), GatewayError>) {
        for (reply, result) in unanswered {
            let result = match &committed {
                Ok(()) => result,
                Err(error) => Err(GatewayError::Halted(format!(
                    "journal commit failed: {error}"
                ))),
            };
            let _ = reply.send(self.count(result));
        }
    }

    /// Serves commands in order; each run of consecutive submits goes through one group commit.
    fn serve(&mut self, batch: Vec<Command>) {
        let mut submits: Vec<(OrderIntent, Reply<Submitted>)> = Vec::new();
        for command in batch {
            match command {
                Command::Submit(intent, reply) => submits.push((intent, reply)),
                other => {
                    self.submit_all(std::mem::take(&mut submits));
                    self.serve_one(other);
                }
            }
        }
        self.submit_all(submits);
    }

    fn submit_all(&mut self, submits: Vec<(OrderIntent, Reply<Submitted>)>) {
        if submits.is_empty() {
            return;
        }
        let start = Instant::now();
        let (intents, replies): (Vec<_>, Vec<_>) = submits.into_iter().unzip();
        let results = self.gateway.submit_batch(intents);
        self.metrics
            .submit_batch_seconds
            .observe(start.elapsed().as_secs_f64());
        for (result, reply) in results.into_iter().zip(replies) {
            let _ = reply.send(self.count(result));
        }
    }

    fn count(&self, result: Result<Submitted, GatewayError>) -> Result<Submitted, ApiError> {
        match &result {
            Ok(submitted) if submitted.duplicate => self.metrics.orders_duplicate.inc(),
            Ok(_) => self.metrics.orders_submitted.inc(),
            Err(_) => 0,
        };
        result.map_err(|error| self.refused(error.into()))
    }

    fn refused(&self, error: ApiError) -> ApiError {
        self.metrics
            .refused(&format!("{:?}", error.code), &error.reason);
        error
    }

    fn serve_one(&mut self, command: Command) {
        match command {
            Command::Submit(intent, reply) => self.submit_all(vec![(intent, reply)]),
            Command::Replace(old, new, reply) => {
                let result = self.gateway.replace(&old, new);
                let _ = reply.send(self.count(result));
            }
            Command::Cancel(id, reply) => {
                let result = self.gateway.cancel(&id);
                if result.is_ok() {
                    self.metrics.orders_canceled.inc();
                }
                let _ = reply.send(result.map_err(|e| self.refused(e.into())));
            }
            Command::Get(id, reply) => {
                let result = self
                    .gateway
                    .order(&id)
                    .cloned()
                    .ok_or_else(|| GatewayError::NotFound(id).into());
                let _ = reply.send(result);
            }
            Command::List(open_only, reply) => {
                let mut orders: Vec<Order> = self
                    .gateway
                    .orders()
                    .filter(|o| !open_only || o.status().is_open())
                    .cloned()
                    .collect();
                orders.sort_by(|a, b| a.client_order_id().cmp(b.client_order_id()));
                let _ = reply.send(Ok(orders));
            }
            Command::Positions(reply) => {
                let positions = self
                    .gateway
                    .positions()
                    .iter()
                    .map(|(symbol, quantity)| (symbol.clone(), *quantity))
                    .collect();
                let _ = reply.send(Ok(positions));
            }
            Command::SetKillSwitch(on, reply) => {
                let stored = kill_switch::store(&self.switch_file, on);
                // Engaging always takes effect (fail closed); disengaging only once it is on disk.
                let result = match stored {
                    Err(error) if !on => {
                        Err(ApiError::new(tonic::Code::Internal, "INTERNAL", error))
                    }
                    stored => {
                        if let Err(error) = stored {
                            eprintln!(
                                "trader-gateway: kill switch engaged but not persisted: {error}"
                            );
                        }
                        self.gateway.set_kill_switch(on);
                        self.kill_switch = on;
                        self.metrics.kill_switch.set(i64::from(on));
                        Ok(on)
                    }
                };
                let _ = reply.send(result);
            }
            Command::Health(reply) => {
                let breaker = match self.gateway.guard().map(|g| g.breaker_state()) {
                    None => "none",
                    Some(BreakerState::Closed) => "closed",
                    Some(BreakerState::Open { .. }) => "open",
                    Some(BreakerState::HalfOpen { .. }) => "half_open",
                };
                let _ = reply.send(Ok(HealthSnapshot {
                    kill_switch: self.kill_switch,
                    breaker,
                    halted: self.gateway.halted().map(str::to_owned),
                    open_orders: self.gateway.open_order_count(),
                    venue_orders: self
                        .gateway
                        .venue()
                        .sim()
                        .map_or(0, |sim| sim.order_snapshots().len()),
                    venue_refused_duplicates: self
                        .gateway
                        .venue()
                        .sim()
                        .map_or(0, |sim| sim.refused_duplicates()),
                }));
            }
            Command::Bar(bar, reply) => {
                let result = self.publish_bar(bar);
                let _ = reply.send(result);
            }
            Command::Poll => {
                // Failures here are the gateway's own (journal, an event that does not fit): it halts itself and
                // health reports why; the log says when.
                if let Err(error) = self.gateway.poll_venue() {
                    eprintln!("trader-gateway: applying venue events: {error}");
                }
            }
        }
    }

    fn publish_bar(&mut self, bar: Bar) -> Result<usize, ApiError> {
        self.gateway
            .venue_mut()
            .on_bar(&bar)
            .map_err(|e| ApiError::new(tonic::Code::InvalidArgument, "INVALID_ARGUMENT", e))?;
        self.gateway.set_last_price(bar.symbol.clone(), bar.close);
        self.gateway
            .poll_venue()
            .map_err(|e| self.refused(e.into()))
    }

    /// Moves newly committed journal records into the event log.
    fn sync_events(&mut self) {
        match self.tail.read_new() {
            Ok(new) => self.events.extend(new),
            // The gateway itself validated these bytes; a failure here means the disk changed under us.
            Err(error) => eprintln!("trader-gateway: event log: {error}"),
        }
        let last = i64::try_from(self.events.last_sequence()).unwrap_or(i64::MAX);
        self.metrics.journal_sequence.set(last);
        let open = i64::try_from(self.gateway.open_order_count()).unwrap_or(i64::MAX);
        self.metrics.open_orders.set(open);
    }
}

#[path = "engine_handle.rs"]
mod handle;
