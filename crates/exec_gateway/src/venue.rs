//! The `Venue` trait: what the gateway needs from a broker (Alpaca) or the simulator, and the data it exchanges.

use serde::{Deserialize, Serialize};

use crate::error::VenueError;
use crate::money::Quantity;
use crate::order::{ClientOrderId, Fill, OrderEvent, OrderIntent, OrderStatus, Symbol};

/// A venue's acknowledgement of a new order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueAck {
    /// The venue's own id for the order.
    pub venue_order_id: String,
}

/// The venue's view of one order, as returned by a lookup by client order id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueOrder {
    /// The client order id.
    pub client_order_id: ClientOrderId,
    /// The venue's id.
    pub venue_order_id: String,
    /// Its status at the venue (never `New`: the venue has it).
    pub status: OrderStatus,
    /// Every fill so far, in order.
    pub fills: Vec<Fill>,
    /// Why it was rejected, if it was.
    pub reject_reason: Option<String>,
    /// The order that replaced it, if any.
    pub replaced_by: Option<ClientOrderId>,
}

/// An event pushed by the venue (Alpaca's trade-updates stream; the simulator's event queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueEvent {
    /// The order it concerns.
    pub client_order_id: ClientOrderId,
    /// The venue's id for it (Alpaca sends the whole order with every update), so an event that overtakes a lost
    /// acknowledgement still identifies the order.
    pub venue_order_id: String,
    /// What happened.
    pub event: OrderEvent,
}

/// A position the venue holds for us.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenuePosition {
    /// The instrument.
    pub symbol: Symbol,
    /// Signed quantity (negative = short).
    pub quantity: Quantity,
}

/// A broker or simulator. Implementations must be idempotent on `client_order_id`: a second `submit` with an id
/// the venue already has is refused with [`VenueError::DuplicateClientOrderId`] and creates nothing.
pub trait Venue {
    /// Sends a new order.
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError>;
    /// Replaces the open order `old` by `new` (a new client order id); `old` ends `replaced`.
    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError>;
    /// Asks to cancel an order; the outcome arrives as an event.
    fn cancel(&mut self, client_order_id: &ClientOrderId) -> Result<(), VenueError>;
    /// Looks an order up by client order id; `Ok(None)` when the venue has never seen it.
    fn order(&mut self, client_order_id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError>;
    /// Current positions.
    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError>;
    /// Events since the last call, in the order they happened.
    fn poll_events(&mut self) -> Vec<VenueEvent>;
}
