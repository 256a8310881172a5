//! Applying venue facts to the gateway's orders: idempotent, journaled, fail-closed on anything that does not fit.

use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::money::Quantity;
use crate::order::{ClientOrderId, Order, OrderEvent, OrderStatus};
use crate::record::RecordRef;
use crate::venue::Venue;

impl<V: Venue> Gateway<V> {
    pub(crate) fn append(&mut self, record: RecordRef<'_>) -> Result<(), GatewayError> {
        self.journal.append_with(|out| record.encode(out))?;
        Ok(())
    }

    /// Applies one venue fact to an order, idempotently: a repeat (same ack, same fill id, same final status) is
    /// ignored. An event that does not fit halts the gateway (fail closed) and is reported. Returns `true` when
    /// the order changed. `venue_order_id` lets an event that overtook a lost acknowledgement accept the order.
    pub(crate) fn apply_venue_event(
        &mut self,
        id: &ClientOrderId,
        venue_order_id: Option<&str>,
        event: &OrderEvent,
    ) -> Result<bool, GatewayError> {
        let Some(order) = self.orders.get(id) else {
            self.halt(format!(
                "venue event `{}` for unknown order {id}",
                event.name()
            ));
            return Ok(false);
        };
        if is_repeat(order, event) {
            return Ok(false);
        }
        if order.status() == OrderStatus::New
            && !matches!(
                event,
                OrderEvent::Accepted { .. } | OrderEvent::Rejected { .. }
            )
            && let Some(venue_order_id) = venue_order_id
        {
            self.apply_venue_event(
                id,
                None,
                &OrderEvent::Accepted {
                    venue_order_id: venue_order_id.to_owned(),
                },
            )?;
        }
        let order = self.orders.get_mut(id).expect("checked above");
        let was_open = order.status().is_open();
        if let Err(error) = order.apply(event) {
            self.halt(error.to_string());
            return Ok(false);
        }
        self.apply_effects(id, was_open, event)?;
        self.append(RecordRef::Event {
            client_order_id: id,
            event,
        })?;
        Ok(true)
    }

    /// Position and open-order bookkeeping after `event` was applied to order `id` (shared with replay).
    pub(crate) fn apply_effects(
        &mut self,
        id: &ClientOrderId,
        was_open: bool,
        event: &OrderEvent,
    ) -> Result<(), GatewayError> {
        let order = &self.orders[id];
        if let OrderEvent::Filled(fill) = event {
            let delta = fill.position_delta(order.intent().side)?;
            let symbol = order.intent().symbol.clone();
            let position = self
                .positions
                .entry(symbol.clone())
                .or_insert(Quantity::ZERO);
            *position = position.checked_add(delta)?;
            if position.is_zero() {
                self.positions.remove(&symbol);
            }
        }
        if was_open && order.status().is_terminal() {
            self.open_orders -= 1;
        }
        Ok(())
    }

    pub(crate) fn halt(&mut self, reason: String) {
        if self.halted.is_none() {
            self.halted = Some(reason);
        }
    }
}

/// Is `event` something the order already reflects (a duplicate ack, a fill seen before, a repeated final status)?
fn is_repeat(order: &Order, event: &OrderEvent) -> bool {
    match event {
        OrderEvent::Accepted { venue_order_id } => {
            order.status() != OrderStatus::New
                && order.venue_order_id() == Some(venue_order_id.as_str())
        }
        OrderEvent::Filled(fill) => order.has_fill(&fill.fill_id),
        OrderEvent::Rejected { .. } => order.status() == OrderStatus::Rejected,
        OrderEvent::Canceled => order.status() == OrderStatus::Canceled,
        OrderEvent::Expired => order.status() == OrderStatus::Expired,
        OrderEvent::Replaced { by } => order.replaced_by() == Some(by),
    }
}
