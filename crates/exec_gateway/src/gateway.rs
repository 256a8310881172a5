//! The gateway: every order state change goes through here, write-ahead journaled, idempotent on client_order_id.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use foldhash::HashMap;

use crate::clock::{Clock, SystemClock};
use crate::error::{GatewayError, VenueError};
use crate::guard::{GuardConfig, VenueGuard};
use crate::instrument::Instrument;
use crate::journal::{Journal, SyncPolicy};
use crate::limits::LimitsConfig;
use crate::money::{Price, Quantity};
use crate::order::{ClientOrderId, Order, OrderEvent, OrderIntent, OrderStatus, Symbol};
use crate::record::RecordRef;
use crate::retry::{Backoff, RetryPolicy};
use crate::venue::{Venue, VenueAck, VenueEvent};

/// How a gateway is set up.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Hard pre-trade limits.
    pub limits: LimitsConfig,
    /// Instrument specs; an order for a listed symbol must fit its increments and minimums.
    pub instruments: Vec<Instrument>,
    /// Retries of venue calls that fail retryably (and of in-flight resolution).
    pub retry: RetryPolicy,
    /// Seed of the retry jitter.
    pub seed: u64,
    /// Journal durability.
    pub sync: SyncPolicy,
    /// Circuit breaker and rate limits; `None` for none (backtests).
    pub guard: Option<GuardConfig>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            limits: LimitsConfig::default(),
            instruments: Vec::new(),
            retry: RetryPolicy::default(),
            seed: 0,
            sync: SyncPolicy::Fsync,
            guard: None,
            clock: Arc::new(SystemClock),
        }
    }
}

/// The answer to a submit: the order as it stands, and whether this was a repeat of an earlier submit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The order.
    pub order: Order,
    /// True when the same intent had been submitted before; nothing new was sent.
    pub duplicate: bool,
}

/// The order gateway over venue `V`. No I/O happens here except the journal and the venue calls.
///
/// ```
/// use exec_gateway::gateway::{Gateway, GatewayConfig};
/// use exec_gateway::order::{ClientOrderId, OrderIntent, OrderKind, OrderStatus, Side, Symbol, TimeInForce};
/// use exec_gateway::sim::{SimConfig, SimVenue};
///
/// let dir = tempfile::tempdir().unwrap();
/// let venue = SimVenue::new(SimConfig::default());
/// let (mut gateway, _report) = Gateway::open(&dir.path().join("journal"), venue, GatewayConfig::default()).unwrap();
/// let intent = OrderIntent {
///     client_order_id: ClientOrderId::new("strategy-1-0001").unwrap(),
///     symbol: Symbol::new("AAPL").unwrap(),
///     side: Side::Buy,
///     quantity: "10".parse().unwrap(),
///     kind: OrderKind::Limit { limit: "187.5".parse().unwrap() },
///     time_in_force: TimeInForce::Day,
///     strategy: None,
/// };
/// let first = gateway.submit(intent.clone()).unwrap();
/// assert_eq!(first.order.status(), OrderStatus::Accepted);
/// assert!(gateway.submit(intent).unwrap().duplicate, "the same intent is never sent twice");
/// ```
#[derive(Debug)]
pub struct Gateway<V: Venue> {
    pub(crate) venue: V,
    pub(crate) journal: Journal,
    /// Boxed: a growing map moves 8 bytes per order, not the whole order.
    pub(crate) orders: HashMap<ClientOrderId, Box<Order>>,
    /// In-flight or completed replacements: new id -> replaced id.
    pub(crate) replaces: HashMap<ClientOrderId, ClientOrderId>,
    pub(crate) positions: BTreeMap<Symbol, Quantity>,
    pub(crate) open_orders: usize,
    pub(crate) last_prices: HashMap<Symbol, Price>,
    pub(crate) limits: LimitsConfig,
    pub(crate) instruments: HashMap<Symbol, Instrument>,
    pub(crate) backoff: Backoff,
    pub(crate) guard: Option<VenueGuard>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) halted: Option<String>,
    /// Open orders whose venue state could not be learned yet (venue unreachable during reconciliation).
    pub(crate) unresolved: BTreeSet<ClientOrderId>,
    /// Events for unresolved orders, held until the venue's full view of the order has been adopted.
    pub(crate) deferred: Vec<VenueEvent>,
}

impl<V: Venue> Gateway<V> {
    /// Submits a new order: validated, checked against limits, journaled, then sent.
    ///
    /// The same intent again returns the original order flagged `duplicate` (nothing is sent); the same id with
    /// different content is [`GatewayError::AlreadyExists`].
    pub fn submit(&mut self, intent: OrderIntent) -> Result<Submitted, GatewayError> {
        if let Some(repeat) = self.check_repeat(&intent, None, true)? {
            return Ok(repeat);
        }
        self.admit_new(&intent, 0)?;
        self.write_ahead(&intent, None)?;
        if let Err(error) = self.commit() {
            self.forget(&intent.client_order_id); // never sent, never on disk
            return Err(error);
        }
        let result = self.call_venue(|venue| venue.submit(&intent));
        self.settle_send(&intent.client_order_id, result)
    }

    /// Replaces the working order `old` by `new` (a new client order id, same symbol and side). The old order
    /// ends `replaced`; its fills stay on it, and `new` carries its own full quantity.
    pub fn replace(
        &mut self,
        old: &ClientOrderId,
        new: OrderIntent,
    ) -> Result<Submitted, GatewayError> {
        if let Some(repeat) = self.check_repeat(&new, Some(old), true)? {
            return Ok(repeat);
        }
        let old_order = self
            .orders
            .get(old)
            .ok_or_else(|| GatewayError::NotFound(old.clone()))?;
        if !matches!(
            old_order.status(),
            OrderStatus::Accepted | OrderStatus::PartiallyFilled
        ) {
            return Err(GatewayError::NotOpen {
                client_order_id: old.clone(),
                status: old_order.status(),
                action: "replace",
            });
        }
        for (field, same) in [
            ("symbol", old_order.intent().symbol == new.symbol),
            ("side", old_order.intent().side == new.side),
        ] {
            if !same {
                return Err(GatewayError::InvalidOrder(
                    crate::error::OrderError::InvalidField {
                        client_order_id: new.client_order_id.clone(),
                        field,
                        value: "differs from the replaced order".into(),
                        why: "a replacement keeps the symbol and side",
                    },
                ));
            }
        }
        // The replaced order stops counting once the replacement is in, so the cap sees one order either way.
        self.admit_new(&new, 1)?;
        self.write_ahead(&new, Some(old))?;
        if let Err(error) = self.commit() {
            self.forget(&new.client_order_id);
            return Err(error);
        }
        let result = self.call_venue(|venue| venue.replace(old, &new));
        self.settle_send(&new.client_order_id, result)
    }

    /// Asks the venue to cancel an open order (allowed even with the kill switch on or the breaker open: exits
    /// stay possible). Returns the order after the venue's events are applied.
    pub fn cancel(&mut self, id: &ClientOrderId) -> Result<Order, GatewayError> {
        let order = self
            .orders
            .get(id)
            .ok_or_else(|| GatewayError::NotFound(id.clone()))?;
        if order.status().is_terminal() {
            return Err(GatewayError::NotOpen {
                client_order_id: id.clone(),
                status: order.status(),
                action: "cancel",
            });
        }
        let clock = Arc::clone(&self.clock);
        let venue = &mut self.venue;
        let (result, attempts) = self.backoff.run(clock.as_ref(), || venue.cancel(id));
        match result {
            Ok(()) => {}
            Err(VenueError::Rejected { reason }) => {
                return Err(GatewayError::VenueRejected {
                    client_order_id: id.clone(),
                    reason,
                });
            }
            Err(VenueError::UnknownOrder(_)) => {
                // Still in flight and not at the venue: there is nothing to cancel there yet.
                return Err(GatewayError::NotOpen {
                    client_order_id: id.clone(),
                    status: self.orders[id].status(),
                    action: "cancel before the venue has the order",
                });
            }
            Err(last) => {
                return Err(GatewayError::VenueUnavailable {
                    client_order_id: id.clone(),
                    attempts,
                    last,
                });
            }
        }
        self.poll_venue()?;
        Ok(Order::clone(&self.orders[id]))
    }

    /// Applies every event the venue has pushed since the last poll, then retries the reconciliation of orders
    /// whose venue state is still unknown. Returns how many events changed an order.
    ///
    /// An event for an order whose venue state is unknown (a missed event may come before it) is held back until
    /// the venue's full view of that order has been adopted, so a stale order never jumps to a final status.
    pub fn poll_venue(&mut self) -> Result<usize, GatewayError> {
        let mut events = self.venue.poll_events();
        if !self.unresolved.is_empty() {
            let ids = self.unresolved.iter().cloned().collect();
            self.reconcile_orders(ids)?;
        }
        if !self.deferred.is_empty() {
            events.splice(0..0, std::mem::take(&mut self.deferred));
        }
        let mut applied = 0;
        for event in events {
            if self.unresolved.contains(&event.client_order_id) {
                self.deferred.push(event);
            } else if self.apply_venue_event(
                &event.client_order_id,
                Some(&event.venue_order_id),
                &event.event,
            )? {
                applied += 1;
            }
        }
        self.commit()?;
        Ok(applied)
    }

    /// `Some(duplicate)` when this exact intent is known; `AlreadyExists` when the id is taken by other content.
    fn check_repeat(
        &mut self,
        intent: &OrderIntent,
        replaces: Option<&ClientOrderId>,
        resolve: bool,
    ) -> Result<Option<Submitted>, GatewayError> {
        let id = &intent.client_order_id;
        let Some(existing) = self.orders.get(id) else {
            return Ok(None);
        };
        if existing.intent() != intent || self.replaces.get(id) != replaces {
            return Err(GatewayError::AlreadyExists(id.clone()));
        }
        if resolve && existing.status() == OrderStatus::New {
            // Still in flight from an earlier attempt: try to learn its fate before answering (never a blind resend).
            let _ = self.resolve_in_flight(id);
            self.commit()?;
        }
        Ok(Some(Submitted {
            order: Order::clone(&self.orders[id]),
            duplicate: true,
        }))
    }

    /// Everything a new order must pass before it is journaled. `superseded` orders leave when it comes in.
    fn admit_new(&mut self, intent: &OrderIntent, superseded: usize) -> Result<(), GatewayError> {
        intent.validate()?;
        if let Some(reason) = &self.halted {
            return Err(GatewayError::Halted(reason.clone()));
        }
        let last_price = self.last_prices.get(&intent.symbol).copied();
        if let Some(instrument) = self.instruments.get(&intent.symbol) {
            instrument.check_intent(intent, last_price)?;
        }
        self.limits.check(
            intent,
            last_price,
            self.open_orders.saturating_sub(superseded),
        )?;
        if let Some(guard) = &mut self.guard {
            guard.admit(self.clock.now(), intent.strategy.as_deref())?;
        }
        Ok(())
    }

    /// Queues the intent record and creates the order in state `New`.
    fn write_ahead(
        &mut self,
        intent: &OrderIntent,
        replaces: Option<&ClientOrderId>,
    ) -> Result<(), GatewayError> {
        self.append(RecordRef::Intent { intent, replaces })?;
        self.insert_order(intent.clone(), replaces.cloned());
        Ok(())
    }

    pub(crate) fn insert_order(&mut self, intent: OrderIntent, replaces: Option<ClientOrderId>) {
        let id = intent.client_order_id.clone();
        if let Some(old) = replaces {
            self.replaces.insert(id.clone(), old);
        }
        self.orders.insert(id, Box::new(Order::new(intent)));
        self.open_orders += 1;
    }

    fn forget(&mut self, id: &ClientOrderId) {
        if self.orders.remove(id).is_some() {
            self.open_orders -= 1;
        }
        self.replaces.remove(id);
    }

    /// Commits the journal. A failure halts the gateway (fail closed): memory is ahead of the disk, so only a
    /// restart (replay plus reconciliation with the venue) makes them agree again.
    pub(crate) fn commit(&mut self) -> Result<(), GatewayError> {
        if let Err(error) = self.journal.commit() {
            self.halt(format!("journal commit failed: {error}"));
            return Err(error.into());
        }
        Ok(())
    }

    /// One venue call with the guard's bookkeeping (breaker outcome) around it.
    fn call_venue(
        &mut self,
        call: impl FnOnce(&mut V) -> Result<VenueAck, VenueError>,
    ) -> Result<VenueAck, VenueError> {
        let result = call(&mut self.venue);
        if let Some(guard) = &mut self.guard {
            guard.record(self.clock.now(), &result);
        }
        result
    }

    /// Applies the venue's answer to a send and commits.
    fn settle_send(
        &mut self,
        id: &ClientOrderId,
        result: Result<VenueAck, VenueError>,
    ) -> Result<Submitted, GatewayError> {
        let settled = self.settle_send_deferred(id, result);
        self.commit()?;
        settled
    }

    /// Applies the venue's answer to a send (journal records queued, not committed).
    fn settle_send_deferred(
        &mut self,
        id: &ClientOrderId,
        result: Result<VenueAck, VenueError>,
    ) -> Result<Submitted, GatewayError> {
        match result {
            Ok(ack) => {
                self.apply_venue_event(
                    id,
                    None,
                    &OrderEvent::Accepted {
                        venue_order_id: ack.venue_order_id,
                    },
                )?;
                self.after_replacement_ack(id);
            }
            Err(VenueError::Rejected { reason }) => {
                self.apply_venue_event(id, None, &OrderEvent::Rejected { reason })?;
            }
            Err(_) => {
                // Timeout, disconnect, duplicate id, 5xx: the venue may have it. Ask before anything is resent.
                self.resolve_in_flight(id)?;
            }
        }
        Ok(Submitted {
            order: Order::clone(&self.orders[id]),
            duplicate: false,
        })
    }

    /// Once a replacement is acknowledged, bring the replaced order up to date from the venue (best effort: the
    /// venue's event stream carries the same facts, so a failed lookup loses nothing).
    pub(crate) fn after_replacement_ack(&mut self, id: &ClientOrderId) {
        let Some(old) = self.replaces.get(id).cloned() else {
            return;
        };
        if self
            .orders
            .get(&old)
            .is_some_and(|order| order.status().is_open())
            && let Ok(Some(snapshot)) = self.venue.order(&old)
        {
            let _ = self.adopt(&old, &snapshot);
        }
    }
}

#[path = "gateway_batch.rs"]
mod batch;
pub use batch::AdmittedBatch;

#[cfg(test)]
#[path = "gateway_tests.rs"]
pub(crate) mod tests;
