//! Opening a gateway: journal replay, then reconciliation with the venue before anything is resent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use crate::error::{GatewayError, VenueError};
use crate::gateway::{Gateway, GatewayConfig};
use crate::guard::VenueGuard;
use crate::journal::Journal;
use crate::order::{ClientOrderId, OrderEvent, OrderStatus};
use crate::record::{JournalRecord, decode};
use crate::retry::Backoff;
use crate::venue::{Venue, VenueOrder};

/// What opening the gateway found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Journal records replayed.
    pub replayed_records: usize,
    /// Bytes of a torn last record dropped from the journal.
    pub truncated_bytes: u64,
    /// Open orders brought up to date from the venue's view (in-flight ones it had, and any with missed events).
    pub adopted: Vec<ClientOrderId>,
    /// In-flight orders the venue had never seen, sent again with the same client order id.
    pub resent: Vec<ClientOrderId>,
    /// Open orders whose fate could not be learned (venue unreachable); resolved by a later `reconcile`.
    pub unresolved: Vec<ClientOrderId>,
}

/// How an in-flight order was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The venue had it; its state was adopted.
    Adopted,
    /// The venue had never seen it; it was sent (once more) with the same client order id.
    Resent,
}

impl<V: Venue> Gateway<V> {
    /// Opens the gateway on the journal at `path`: replays it, then reconciles every open order with `venue`.
    pub fn open(
        path: &Path,
        venue: V,
        config: GatewayConfig,
    ) -> Result<(Self, RecoveryReport), GatewayError> {
        let (journal, payloads, repair) = Journal::open(path, config.sync)?;
        let mut instruments = HashMap::new();
        for instrument in config.instruments {
            instrument.validate()?;
            instruments.insert(instrument.symbol.clone(), instrument);
        }
        let mut gateway = Gateway {
            venue,
            journal,
            orders: HashMap::new(),
            replaces: HashMap::new(),
            positions: BTreeMap::new(),
            open_orders: 0,
            last_prices: HashMap::new(),
            limits: config.limits,
            instruments,
            backoff: Backoff::new(config.retry, config.seed),
            guard: config.guard.map(VenueGuard::new),
            clock: Arc::clone(&config.clock),
            halted: None,
            unresolved: BTreeSet::new(),
            deferred: Vec::new(),
        };
        for (index, payload) in payloads.iter().enumerate() {
            gateway.replay(index, payload)?;
        }
        let mut report = gateway.reconcile()?;
        report.replayed_records = payloads.len();
        report.truncated_bytes = repair.truncated_bytes;
        Ok((gateway, report))
    }

    /// Re-applies one journal record; anything that does not replay cleanly is an error naming the record.
    fn replay(&mut self, index: usize, payload: &[u8]) -> Result<(), GatewayError> {
        let path = self.journal.path().to_owned();
        let fail = |why: String| GatewayError::Replay {
            path: path.clone(),
            index,
            why,
        };
        let record = decode(payload).map_err(|e| fail(format!("undecodable: {e}")))?;
        match record {
            JournalRecord::Intent { intent, replaces } => {
                if self.orders.contains_key(&intent.client_order_id) {
                    return Err(fail(format!(
                        "second intent for client_order_id {}",
                        intent.client_order_id
                    )));
                }
                self.insert_order(intent, replaces);
            }
            JournalRecord::Event {
                client_order_id,
                event,
            } => {
                let order = self.orders.get_mut(&client_order_id).ok_or_else(|| {
                    fail(format!(
                        "event for unknown client_order_id {client_order_id}"
                    ))
                })?;
                let was_open = order.status().is_open();
                order.apply(&event).map_err(|e| fail(e.to_string()))?;
                self.apply_effects(&client_order_id, was_open, &event)?;
            }
        }
        Ok(())
    }

    /// Brings every open order in line with the venue: in-flight ones are looked up (then adopted or resent),
    /// working ones get any events that were missed. Call after a restart or a venue outage.
    pub fn reconcile(&mut self) -> Result<RecoveryReport, GatewayError> {
        let open: Vec<ClientOrderId> = self
            .orders
            .values()
            .filter(|o| o.status().is_open())
            .map(|o| o.client_order_id().clone())
            .collect();
        self.reconcile_orders(open)
    }

    /// Compares the gateway's positions (the sum of its fills) with the venue's; a difference halts new orders
    /// (fail closed) and is returned as an error naming the symbol and both quantities.
    pub fn check_positions(&mut self) -> Result<(), GatewayError> {
        let venue: BTreeMap<_, _> = self
            .venue
            .positions()
            .map_err(|last| GatewayError::VenueQuery {
                what: "positions",
                last,
            })?
            .into_iter()
            .filter(|p| !p.quantity.is_zero())
            .map(|p| (p.symbol, p.quantity))
            .collect();
        let symbols: BTreeSet<_> = venue.keys().chain(self.positions.keys()).cloned().collect();
        for symbol in symbols {
            let ours = self.positions.get(&symbol).copied().unwrap_or_default();
            let theirs = venue.get(&symbol).copied().unwrap_or_default();
            if ours != theirs {
                let reason = format!("position {symbol}: gateway {ours}, venue {theirs}");
                self.halt(reason.clone());
                return Err(GatewayError::Halted(reason));
            }
        }
        Ok(())
    }

    /// Orders whose last reconciliation could not reach the venue; `poll_venue` tries them again.
    pub fn unresolved(&self) -> impl Iterator<Item = &ClientOrderId> {
        self.unresolved.iter()
    }

    pub(crate) fn reconcile_orders(
        &mut self,
        mut ids: Vec<ClientOrderId>,
    ) -> Result<RecoveryReport, GatewayError> {
        let mut report = RecoveryReport::default();
        // Replaced orders first, so a replacement's adoption finds its predecessor already up to date.
        ids.sort_by(|a, b| {
            (self.replaces.contains_key(a), a).cmp(&(self.replaces.contains_key(b), b))
        });
        for id in ids {
            let Some(status) = self
                .orders
                .get(&id)
                .map(|o| o.status())
                .filter(|s| s.is_open())
            else {
                continue; // closed meanwhile (by a replacement's adoption, or an event)
            };
            if status == OrderStatus::New {
                match self.resolve_in_flight(&id) {
                    Ok(Resolution::Adopted) => report.adopted.push(id),
                    Ok(Resolution::Resent) => report.resent.push(id),
                    Err(_) => report.unresolved.push(id),
                }
                continue;
            }
            match self.lookup(&id) {
                Ok(Some(snapshot)) => {
                    self.adopt(&id, &snapshot)?;
                    report.adopted.push(id);
                }
                Ok(None) => self.halt(format!(
                    "order {id} is {status} here but unknown to the venue"
                )),
                Err(_) => report.unresolved.push(id),
            }
        }
        self.unresolved = report.unresolved.iter().cloned().collect();
        self.commit()?;
        Ok(report)
    }

    /// Learns the fate of an order that was sent without an answer: ask the venue by client order id first; if it
    /// has the order, adopt its state; if it has never seen it, send it again with the same id.
    pub(crate) fn resolve_in_flight(
        &mut self,
        id: &ClientOrderId,
    ) -> Result<Resolution, GatewayError> {
        let result = self.try_resolve(id);
        // An order left unresolved is tried again by every `poll_venue`, and its events wait until then.
        match result {
            Ok(_) => self.unresolved.remove(id),
            Err(_) => self.unresolved.insert(id.clone()),
        };
        result
    }

    fn try_resolve(&mut self, id: &ClientOrderId) -> Result<Resolution, GatewayError> {
        let max_attempts = self.backoff.policy().max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.lookup(id) {
                Ok(Some(snapshot)) => {
                    self.adopt(id, &snapshot)?;
                    return Ok(Resolution::Adopted);
                }
                Ok(None) => match self.resend(id) {
                    Ok(()) => return Ok(Resolution::Resent),
                    Err(error) => error,
                },
                Err(error) => error,
            };
            // "Duplicate id" means the venue has the order after all: the next lookup will find it.
            let look_again =
                matches!(error, VenueError::DuplicateClientOrderId(_)) && attempt < max_attempts;
            match self.backoff.delay_after(attempt, &error) {
                Some(delay) => self.clock.sleep(delay),
                None if look_again => {}
                None => {
                    return Err(GatewayError::VenueUnavailable {
                        client_order_id: id.clone(),
                        attempts: attempt,
                        last: error,
                    });
                }
            }
        }
    }

    /// Sends an in-flight order again after the venue said it has never seen it; a reject settles it too.
    fn resend(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        let intent = self.orders[id].intent().clone();
        let result = match self.replaces.get(id).cloned() {
            Some(old) => self.venue.replace(&old, &intent),
            None => self.venue.submit(&intent),
        };
        if let Some(guard) = &mut self.guard {
            guard.record(self.clock.now(), &result);
        }
        let event = match result {
            Ok(ack) => OrderEvent::Accepted {
                venue_order_id: ack.venue_order_id,
            },
            Err(VenueError::Rejected { reason }) => OrderEvent::Rejected { reason },
            Err(error) => return Err(error),
        };
        let accepted = matches!(event, OrderEvent::Accepted { .. });
        // A journal failure halts the gateway and surfaces on the next commit; the venue already acted either way.
        let _ = self.apply_venue_event(id, None, &event);
        if accepted {
            self.after_replacement_ack(id);
        }
        Ok(())
    }

    fn lookup(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        let result = self.venue.order(id);
        if let Some(guard) = &mut self.guard {
            guard.record(self.clock.now(), &result);
        }
        result
    }

    /// Brings order `id` to the venue's view: acknowledgement, every fill not yet seen, the final status.
    pub(crate) fn adopt(
        &mut self,
        id: &ClientOrderId,
        snapshot: &VenueOrder,
    ) -> Result<(), GatewayError> {
        let venue_id = Some(snapshot.venue_order_id.as_str());
        if snapshot.status == OrderStatus::Rejected {
            let reason = snapshot
                .reject_reason
                .clone()
                .unwrap_or_else(|| "rejected by the venue".into());
            self.apply_venue_event(id, venue_id, &OrderEvent::Rejected { reason })?;
        } else {
            let accepted = OrderEvent::Accepted {
                venue_order_id: snapshot.venue_order_id.clone(),
            };
            if self
                .orders
                .get(id)
                .is_some_and(|o| o.status() == OrderStatus::New)
            {
                self.apply_venue_event(id, venue_id, &accepted)?;
            }
            for fill in &snapshot.fills {
                self.apply_venue_event(id, venue_id, &OrderEvent::Filled(fill.clone()))?;
            }
            let last = match (snapshot.status, &snapshot.replaced_by) {
                (OrderStatus::Canceled, _) => Some(OrderEvent::Canceled),
                (OrderStatus::Expired, _) => Some(OrderEvent::Expired),
                (OrderStatus::Replaced, Some(by)) => Some(OrderEvent::Replaced { by: by.clone() }),
                _ => None,
            };
            if let Some(last) = last {
                self.apply_venue_event(id, venue_id, &last)?;
            }
        }
        if let Some(order) = self.orders.get(id)
            && order.status() != snapshot.status
        {
            self.halt(format!(
                "order {id} is {} here but {} at the venue",
                order.status(),
                snapshot.status
            ));
        }
        if self.replaces.contains_key(id) && snapshot.status != OrderStatus::Rejected {
            self.after_replacement_ack(id);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "recovery_tests.rs"]
mod tests;
