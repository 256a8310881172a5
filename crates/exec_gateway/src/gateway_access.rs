//! Read access to the gateway's state, and the operator's switches (kill switch, last prices, resume, flush).

use std::collections::BTreeMap;

use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::guard::VenueGuard;
use crate::money::{Price, Quantity};
use crate::order::{ClientOrderId, Order, Symbol};
use crate::recovery::RecoveryReport;
use crate::venue::Venue;

impl<V: Venue> Gateway<V> {
    /// Operator action after a halt: clears it, reconciles every open order with the venue and stays open for
    /// new orders only if that reconciliation found nothing else wrong (otherwise it is halted again, with why).
    pub fn resume(&mut self) -> Result<RecoveryReport, GatewayError> {
        self.halted = None;
        let report = self.reconcile()?;
        match &self.halted {
            Some(reason) => Err(GatewayError::Halted(reason.clone())),
            None => Ok(report),
        }
    }

    /// Switches the kill switch: on, every new order is refused; cancels still go through.
    pub fn set_kill_switch(&mut self, on: bool) {
        self.limits.kill_switch = on;
    }

    /// Records the latest trade price of `symbol` (for the price collar and market-order notional).
    pub fn set_last_price(&mut self, symbol: Symbol, price: Price) {
        self.last_prices.insert(symbol, price);
    }

    /// The order with this client order id.
    pub fn order(&self, id: &ClientOrderId) -> Option<&Order> {
        self.orders.get(id).map(|order| &**order)
    }

    /// Every order, in no particular order.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values().map(|order| &**order)
    }

    /// Net position per symbol, the sum of all fills (zero positions are kept out).
    pub fn positions(&self) -> &BTreeMap<Symbol, Quantity> {
        &self.positions
    }

    /// Orders not yet terminal.
    pub fn open_order_count(&self) -> usize {
        self.open_orders
    }

    /// Why the gateway stopped taking new orders, if it did (state did not reconcile with the venue).
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// The circuit breaker and rate limits, when configured.
    pub fn guard(&self) -> Option<&VenueGuard> {
        self.guard.as_ref()
    }

    /// The venue (the simulator is driven through this in backtests).
    pub fn venue(&self) -> &V {
        &self.venue
    }

    /// The venue, mutably.
    pub fn venue_mut(&mut self) -> &mut V {
        &mut self.venue
    }

    /// Writes (and, per the sync policy, syncs) every journal record still held in memory.
    pub fn flush_journal(&mut self) -> Result<(), GatewayError> {
        self.journal.flush()?;
        Ok(())
    }

    /// Gives the venue back, dropping everything not yet committed (what a crash does).
    pub fn into_venue(self) -> V {
        self.venue
    }
}
