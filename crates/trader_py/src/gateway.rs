//! `SimGateway`: the Rust order gateway with its simulated venue, embedded in-process for backtests and tests.

use std::collections::BTreeSet;
use std::path::PathBuf;

use exec_gateway::error::VenueError;
use exec_gateway::gateway::{Gateway, GatewayConfig};
use exec_gateway::instrument::Instrument;
use exec_gateway::journal::SyncPolicy;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::matching::Bar;
use exec_gateway::money::{Price, Quantity};
use exec_gateway::order::{ClientOrderId, OrderIntent, Symbol};
use exec_gateway::sim::{SimConfig, SimVenue};
use exec_gateway::venue::{Venue, VenueAck, VenueEvent, VenueOrder, VenuePosition};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::gateway_args::{IntentArgs, PriceArgs, decimal, intent_of};
use crate::gateway_batch::{intents_of, results_of};
use crate::gateway_error::{gateway_error, invalid_input};
use crate::gateway_types::{GatewayEvent, GatewayOrder};

/// The simulator, keeping a copy of every event it hands the gateway so each call can report what happened.
#[derive(Debug)]
struct RecordingSim {
    sim: SimVenue,
    seen: Vec<VenueEvent>,
}

impl Venue for RecordingSim {
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        self.sim.submit(intent)
    }
    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError> {
        self.sim.replace(old, new)
    }
    fn cancel(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        self.sim.cancel(id)
    }
    fn order(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        self.sim.order(id)
    }
    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError> {
        self.sim.positions()
    }
    fn poll_events(&mut self) -> Vec<VenueEvent> {
        let events = self.sim.poll_events();
        self.seen.extend(events.iter().cloned());
        events
    }
}

/// The gateway plus the temporary directory holding its journal when none was given (removed after the gateway).
#[derive(Debug)]
struct Open {
    gateway: Gateway<RecordingSim>,
    _temp: Option<tempfile::TempDir>,
}

impl Drop for Open {
    fn drop(&mut self) {
        // Journal records held in memory (in-process sync) reach the file when the gateway goes away cleanly.
        let _ = self.gateway.flush_journal();
    }
}

fn sync_policy(py: Python<'_>, sync: &str) -> PyResult<SyncPolicy> {
    match sync {
        "in_process" => Ok(SyncPolicy::InProcess),
        "os_buffer" => Ok(SyncPolicy::OsBuffer),
        "fsync" => Ok(SyncPolicy::Fsync),
        other => Err(invalid_input(
            py,
            format!("field `sync` = {other:?}: expected in_process, os_buffer or fsync"),
        )),
    }
}

/// Reads JSON config text into `T`, naming the field of the constructor it came from.
fn from_json<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    field: &str,
    json: &str,
) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| invalid_input(py, format!("field `{field}`: {e}")))
}

/// The simulator settings: the given keys over the defaults, unknown keys refused.
fn sim_config(py: Python<'_>, json: &str) -> PyResult<SimConfig> {
    let given: serde_json::Map<String, serde_json::Value> = from_json(py, "sim", json)?;
    let serde_json::Value::Object(mut merged) =
        serde_json::to_value(SimConfig::default()).expect("the default config serializes")
    else {
        unreachable!("SimConfig serializes to an object")
    };
    for (key, value) in given {
        if !merged.contains_key(&key) {
            let known: Vec<&String> = merged.keys().collect();
            return Err(invalid_input(
                py,
                format!("field `sim`: unknown key `{key}` (known: {known:?})"),
            ));
        }
        merged.insert(key, value);
    }
    serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| invalid_input(py, format!("field `sim`: {e}")))
}

/// The order gateway over the simulated venue, in this process: idempotent submits, hard limits, a journal, and
/// bar-by-bar matching. Money crosses as exact decimal text; configuration as JSON text (see the Python wrapper
/// `trader.execution.embedded.EmbeddedGateway`).
#[pyclass(name = "SimGateway", module = "trader._core")]
#[derive(Debug)]
pub struct SimGateway {
    open: Option<Open>,
    journal_path: PathBuf,
    replayed_records: usize,
}

impl SimGateway {
    fn gateway(&mut self, py: Python<'_>) -> PyResult<&mut Gateway<RecordingSim>> {
        match &mut self.open {
            Some(open) => Ok(&mut open.gateway),
            None => Err(gateway_error(
                py,
                exec_gateway::error::GatewayError::Halted("the gateway was closed".into()),
            )),
        }
    }

    /// Matches open orders against one closed `bar` and returns what happened (`on_bar` and the bar driver).
    pub(crate) fn feed_bar(&mut self, py: Python<'_>, bar: &Bar) -> PyResult<Vec<GatewayEvent>> {
        let gateway = self.gateway(py)?;
        gateway
            .venue_mut()
            .sim
            .on_bar(bar)
            .map_err(|e| invalid_input(py, e.to_string()))?;
        gateway.set_last_price(bar.symbol.clone(), bar.close);
        gateway.poll_venue().map_err(|e| gateway_error(py, e))?;
        self.drain_events(py)
    }

    /// The events the venue reported since the last call, as views with each order's status.
    fn drain_events(&mut self, py: Python<'_>) -> PyResult<Vec<GatewayEvent>> {
        let gateway = self.gateway(py)?;
        let seen = std::mem::take(&mut gateway.venue_mut().seen);
        seen.iter()
            .filter_map(|event| {
                gateway
                    .order(&event.client_order_id)
                    .map(|order| GatewayEvent::new(py, event, order))
            })
            .collect()
    }
}

#[pymethods]
impl SimGateway {
    /// Opens the gateway on the journal at `journal_path` (replaying it; `None`: a temporary journal removed when
    /// the gateway goes away). `instruments` is a JSON list of instrument specs, `limits` a JSON object of hard
    /// limits, `sim` a JSON object of simulator settings over the defaults; `sync` is the journal durability.
    #[new]
    #[pyo3(signature = (journal_path=None, instruments="[]", limits="{}", sim="{}", sync="in_process"))]
    fn new(
        py: Python<'_>,
        journal_path: Option<PathBuf>,
        instruments: &str,
        limits: &str,
        sim: &str,
        sync: &str,
    ) -> PyResult<Self> {
        let config = GatewayConfig {
            limits: from_json::<LimitsConfig>(py, "limits", limits)?,
            instruments: from_json::<Vec<Instrument>>(py, "instruments", instruments)?,
            sync: sync_policy(py, sync)?,
            ..GatewayConfig::default()
        };
        let venue = RecordingSim {
            sim: SimVenue::new(sim_config(py, sim)?),
            seen: Vec::new(),
        };
        let (temp, path) = match journal_path {
            Some(path) => (None, path),
            None => {
                let dir = tempfile::tempdir().map_err(|e| {
                    invalid_input(py, format!("cannot create a temporary journal: {e}"))
                })?;
                let path = dir.path().join("journal");
                (Some(dir), path)
            }
        };
        let (gateway, report) =
            Gateway::open(&path, venue, config).map_err(|e| gateway_error(py, e))?;
        Ok(Self {
            open: Some(Open {
                gateway,
                _temp: temp,
            }),
            journal_path: path,
            replayed_records: report.replayed_records,
        })
    }

    /// Submits a new order. The same intent again returns the original order flagged `duplicate`; the same id
    /// with different content raises `AlreadyExistsError`.
    #[pyo3(signature = (
        client_order_id, symbol, side, quantity, order_type="market", *, limit_price=None, stop_price=None,
        trail_price=None, trail_percent=None, time_in_force="day", strategy=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn submit(
        &mut self,
        py: Python<'_>,
        client_order_id: &str,
        symbol: &str,
        side: &str,
        quantity: &Bound<'_, PyAny>,
        order_type: &str,
        limit_price: Option<&Bound<'_, PyAny>>,
        stop_price: Option<&Bound<'_, PyAny>>,
        trail_price: Option<&Bound<'_, PyAny>>,
        trail_percent: Option<&Bound<'_, PyAny>>,
        time_in_force: &str,
        strategy: Option<String>,
    ) -> PyResult<GatewayOrder> {
        let intent = intent_of(
            py,
            IntentArgs {
                client_order_id,
                symbol,
                side,
                quantity,
                order_type,
                time_in_force,
                strategy,
            },
            &PriceArgs {
                limit: limit_price,
                stop: stop_price,
                trail: trail_price,
                trail_percent,
            },
        )?;
        let submitted = self
            .gateway(py)?
            .submit(intent)
            .map_err(|e| gateway_error(py, e))?;
        Ok(GatewayOrder::new(submitted.order, submitted.duplicate))
    }

    /// Submits many orders with one journal commit for their intents and one for the venue's answers. Each
    /// order is a tuple `(client_order_id, symbol, side, quantity[, order_type, limit_price, stop_price,
    /// trail_price, trail_percent, time_in_force, strategy])`; a malformed one raises before anything is sent.
    /// Returns one result per order, in order: its `GatewayOrder`, or the `GatewayError` instance refusing it.
    fn submit_orders(
        &mut self,
        py: Python<'_>,
        orders: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let intents = intents_of(py, orders)?;
        let results = self.gateway(py)?.submit_batch(intents);
        results_of(py, results)
    }

    /// Replaces the working order `old_id` by a new order `new_id` with the same symbol and side.
    #[pyo3(signature = (
        old_id, new_id, quantity, order_type="market", *, limit_price=None, stop_price=None, trail_price=None,
        trail_percent=None, time_in_force="day", strategy=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &mut self,
        py: Python<'_>,
        old_id: &str,
        new_id: &str,
        quantity: &Bound<'_, PyAny>,
        order_type: &str,
        limit_price: Option<&Bound<'_, PyAny>>,
        stop_price: Option<&Bound<'_, PyAny>>,
        trail_price: Option<&Bound<'_, PyAny>>,
        trail_percent: Option<&Bound<'_, PyAny>>,
        time_in_force: &str,
        strategy: Option<String>,
    ) -> PyResult<GatewayOrder> {
        let old = ClientOrderId::new(old_id).map_err(|e| invalid_input(py, e.to_string()))?;
        let gateway = self.gateway(py)?;
        let Some(old_order) = gateway.order(&old) else {
            return Err(gateway_error(
                py,
                exec_gateway::error::GatewayError::NotFound(old),
            ));
        };
        let (symbol, side) = (
            old_order.intent().symbol.as_str().to_owned(),
            old_order.intent().side.as_str(),
        );
        let intent = intent_of(
            py,
            IntentArgs {
                client_order_id: new_id,
                symbol: &symbol,
                side,
                quantity,
                order_type,
                time_in_force,
                strategy,
            },
            &PriceArgs {
                limit: limit_price,
                stop: stop_price,
                trail: trail_price,
                trail_percent,
            },
        )?;
        let submitted = gateway
            .replace(&old, intent)
            .map_err(|e| gateway_error(py, e))?;
        Ok(GatewayOrder::new(submitted.order, submitted.duplicate))
    }

    /// Cancels an open order (allowed with the kill switch on); returns it after the venue's answer.
    fn cancel(&mut self, py: Python<'_>, client_order_id: &str) -> PyResult<GatewayOrder> {
        let id =
            ClientOrderId::new(client_order_id).map_err(|e| invalid_input(py, e.to_string()))?;
        let order = self
            .gateway(py)?
            .cancel(&id)
            .map_err(|e| gateway_error(py, e))?;
        Ok(GatewayOrder::new(order, false))
    }

    /// The order with this client order id, or `None`.
    fn order(&mut self, py: Python<'_>, client_order_id: &str) -> PyResult<Option<GatewayOrder>> {
        let id =
            ClientOrderId::new(client_order_id).map_err(|e| invalid_input(py, e.to_string()))?;
        Ok(self
            .gateway(py)?
            .order(&id)
            .map(|order| GatewayOrder::new(order.clone(), false)))
    }

    /// Every order, sorted by client order id.
    fn orders(&mut self, py: Python<'_>) -> PyResult<Vec<GatewayOrder>> {
        let mut orders: Vec<_> = self.gateway(py)?.orders().collect();
        orders.sort_by(|a, b| a.client_order_id().cmp(b.client_order_id()));
        Ok(orders
            .into_iter()
            .map(|order| GatewayOrder::new(order.clone(), false))
            .collect())
    }

    /// Net position per symbol (the sum of all fills; flat symbols left out), quantities as decimal text.
    fn positions<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (symbol, quantity) in self.gateway(py)?.positions() {
            dict.set_item(symbol.as_str(), quantity.to_string())?;
        }
        Ok(dict)
    }

    /// Feeds one bar of `symbol` (opening at `ts_ns`) to the simulator's matching, records its close as the last
    /// price, and returns every event the venue reported since the last call (fills first among them).
    #[pyo3(signature = (symbol, ts_ns, open, high, low, close, volume))]
    #[allow(clippy::too_many_arguments)]
    fn on_bar(
        &mut self,
        py: Python<'_>,
        symbol: &str,
        ts_ns: u64,
        open: &Bound<'_, PyAny>,
        high: &Bound<'_, PyAny>,
        low: &Bound<'_, PyAny>,
        close: &Bound<'_, PyAny>,
        volume: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<GatewayEvent>> {
        let bar = Bar {
            symbol: Symbol::new(symbol).map_err(|e| invalid_input(py, e.to_string()))?,
            timestamp_ns: ts_ns,
            open: decimal::<Price>(open, "open")?,
            high: decimal::<Price>(high, "high")?,
            low: decimal::<Price>(low, "low")?,
            close: decimal::<Price>(close, "close")?,
            volume: decimal::<Quantity>(volume, "volume")?,
        };
        self.feed_bar(py, &bar)
    }

    /// Applies any events the venue has pushed and returns them (with the ones `cancel`/`replace` collected).
    fn poll_events(&mut self, py: Python<'_>) -> PyResult<Vec<GatewayEvent>> {
        self.gateway(py)?
            .poll_venue()
            .map_err(|e| gateway_error(py, e))?;
        self.drain_events(py)
    }

    /// Records the latest trade price of `symbol` (price collar, market-order notional); `on_bar` does it too.
    fn set_last_price(
        &mut self,
        py: Python<'_>,
        symbol: &str,
        price: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let symbol = Symbol::new(symbol).map_err(|e| invalid_input(py, e.to_string()))?;
        let price = decimal::<Price>(price, "price")?;
        self.gateway(py)?.set_last_price(symbol, price);
        Ok(())
    }

    /// On: every new order is refused (`LimitRejectedError`, code `KILL_SWITCH`); cancels still go through.
    fn set_kill_switch(&mut self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.gateway(py)?.set_kill_switch(on);
        Ok(())
    }

    /// Why the gateway stopped taking new orders (state did not reconcile), or `None`.
    #[getter]
    fn halted(&mut self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.gateway(py)?.halted().map(str::to_owned))
    }

    /// Orders not yet terminal.
    #[getter]
    fn open_order_count(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.gateway(py)?.open_order_count())
    }

    /// Symbols of the simulator's own positions that differ from the gateway's (empty when they reconcile).
    fn unreconciled_symbols(&mut self, py: Python<'_>) -> PyResult<Vec<String>> {
        let gateway = self.gateway(py)?;
        let ours = gateway.positions().clone();
        let theirs: std::collections::BTreeMap<Symbol, Quantity> = gateway
            .venue_mut()
            .positions()
            .map_err(|last| {
                gateway_error(
                    py,
                    exec_gateway::error::GatewayError::VenueQuery {
                        what: "positions",
                        last,
                    },
                )
            })?
            .into_iter()
            .map(|p| (p.symbol, p.quantity))
            .collect();
        let symbols: BTreeSet<&Symbol> = ours.keys().chain(theirs.keys()).collect();
        Ok(symbols
            .into_iter()
            .filter(|s| ours.get(*s) != theirs.get(*s))
            .map(|s| s.as_str().to_owned())
            .collect())
    }

    /// Submits the simulator refused because the client order id was already used (the gateway causes none).
    #[getter]
    fn venue_duplicate_submits(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.gateway(py)?.venue().sim.refused_duplicates())
    }

    /// Orders the simulator holds (one per client order id it ever accepted).
    #[getter]
    fn venue_order_count(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.gateway(py)?.venue().sim.order_snapshots().len())
    }

    /// The journal file.
    #[getter]
    fn journal_path(&self) -> PathBuf {
        self.journal_path.clone()
    }

    /// Journal records replayed when the gateway was opened.
    #[getter]
    fn replayed_records(&self) -> usize {
        self.replayed_records
    }

    /// Writes every journal record still held in memory to the file.
    fn flush(&mut self, py: Python<'_>) -> PyResult<()> {
        self.gateway(py)?
            .flush_journal()
            .map_err(|e| gateway_error(py, e))
    }

    /// Flushes the journal and releases it (and a temporary journal's directory); later calls raise.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(mut open) = self.open.take() {
            open.gateway
                .flush_journal()
                .map_err(|e| gateway_error(py, e))?;
        }
        Ok(())
    }

    /// True once `close` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.open.is_none()
    }
}
