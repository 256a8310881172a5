//! The order model and its state machine: only legal transitions are applied, everything else is a typed error.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{OrderError, TransitionError};
pub use crate::ids::{ClientOrderId, Symbol};
use crate::money::{Money, NotionalSum, Price, Quantity, Rounding};

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// How long an order stays working.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Until the end of the trading day.
    Day,
    /// Until canceled.
    Gtc,
    /// Immediate or cancel: fill what can be filled at once, cancel the rest.
    Ioc,
    /// Fill or kill: all at once or nothing.
    Fok,
    /// At the opening auction only.
    Opg,
    /// At the closing auction only.
    Cls,
}

/// A text that names none of an enum's wire values; `expected` lists them (for the caller's error message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}")]
pub struct UnknownName {
    /// The accepted names, as a phrase ("buy or sell").
    pub expected: &'static str,
}

/// Each value's wire name (the serde names): the one table `Display` and `FromStr` read. The binary journal
/// record stores a value as its place in this table, so the order here is part of that format.
pub(crate) const SIDE_NAMES: [(Side, &str); 2] = [(Side::Buy, "buy"), (Side::Sell, "sell")];
pub(crate) const TIME_IN_FORCE_NAMES: [(TimeInForce, &str); 6] = [
    (TimeInForce::Day, "day"),
    (TimeInForce::Gtc, "gtc"),
    (TimeInForce::Ioc, "ioc"),
    (TimeInForce::Fok, "fok"),
    (TimeInForce::Opg, "opg"),
    (TimeInForce::Cls, "cls"),
];

fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, name)| *name)
        .expect("every value is in its table")
}

fn value_of<T: Copy>(
    table: &[(T, &'static str)],
    text: &str,
    expected: &'static str,
) -> Result<T, UnknownName> {
    table
        .iter()
        .find(|(_, name)| *name == text)
        .map(|(v, _)| *v)
        .ok_or(UnknownName { expected })
}

impl Side {
    /// The wire name: `"buy"` or `"sell"`.
    pub fn as_str(self) -> &'static str {
        name_of(&SIDE_NAMES, self)
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Side {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, UnknownName> {
        value_of(&SIDE_NAMES, text, "buy or sell")
    }
}

impl fmt::Display for TimeInForce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(name_of(&TIME_IN_FORCE_NAMES, *self))
    }
}

impl std::str::FromStr for TimeInForce {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, UnknownName> {
        value_of(&TIME_IN_FORCE_NAMES, text, "day, gtc, ioc, fok, opg or cls")
    }
}

/// The distance a trailing stop keeps from the best price seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrailingOffset {
    /// A fixed price distance.
    Price(Price),
    /// A percentage of the best price (`1.5` means 1.5 %).
    Percent(Price),
}

/// The order type with exactly the prices it needs (no limit price on a market order, ever).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderKind {
    /// At the best available price.
    Market,
    /// At `limit` or better.
    Limit {
        /// The worst acceptable price.
        limit: Price,
    },
    /// A market order once the price reaches `stop`.
    Stop {
        /// The trigger price.
        stop: Price,
    },
    /// A limit order once the price reaches `stop`.
    StopLimit {
        /// The trigger price.
        stop: Price,
        /// The worst acceptable price once triggered.
        limit: Price,
    },
    /// A stop that follows the price at a fixed distance.
    TrailingStop {
        /// The distance.
        trail: TrailingOffset,
    },
}

/// What a strategy asks for: the full content of an order, keyed by its client order id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderIntent {
    /// The idempotency key.
    pub client_order_id: ClientOrderId,
    /// The instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// The order quantity (positive).
    pub quantity: Quantity,
    /// Type and prices.
    pub kind: OrderKind,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// The strategy that sent it (for per-strategy rate limits); part of the order's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
}

impl OrderIntent {
    /// Checks what can be checked without an instrument: positive quantity and prices.
    pub fn validate(&self) -> Result<(), OrderError> {
        let invalid =
            |field: &'static str, value: String, why: &'static str| OrderError::InvalidField {
                client_order_id: self.client_order_id.clone(),
                field,
                value,
                why,
            };
        if !self.quantity.is_positive() {
            return Err(invalid(
                "quantity",
                self.quantity.to_string(),
                "must be positive",
            ));
        }
        let mut prices: Vec<(&'static str, Price)> = Vec::new();
        match self.kind {
            OrderKind::Market => {}
            OrderKind::Limit { limit } => prices.push(("limit_price", limit)),
            OrderKind::Stop { stop } => prices.push(("stop_price", stop)),
            OrderKind::StopLimit { stop, limit } => {
                prices.extend([("stop_price", stop), ("limit_price", limit)])
            }
            OrderKind::TrailingStop {
                trail: TrailingOffset::Price(p),
            } => prices.push(("trail_price", p)),
            OrderKind::TrailingStop {
                trail: TrailingOffset::Percent(p),
            } => {
                if p >= Price::from_units(100) {
                    return Err(invalid("trail_percent", p.to_string(), "must be below 100"));
                }
                prices.push(("trail_percent", p));
            }
        }
        match prices.into_iter().find(|(_, price)| !price.is_positive()) {
            Some((field, price)) => Err(invalid(field, price.to_string(), "must be positive")),
            None => Ok(()),
        }
    }
}

/// Where an order is in its life. `New` means journaled and sent, with no answer from the venue yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Journaled and sent; no venue answer yet.
    New,
    /// The venue has it and it is working.
    Accepted,
    /// Some, not all, of the quantity is filled; still working.
    PartiallyFilled,
    /// Completely filled (terminal).
    Filled,
    /// Canceled, possibly after partial fills (terminal).
    Canceled,
    /// Refused by the venue (terminal).
    Rejected,
    /// Ran out of time in force (terminal).
    Expired,
    /// Superseded by a replacing order (terminal).
    Replaced,
}

impl OrderStatus {
    /// No further event can change a terminal order.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Filled | Self::Canceled | Self::Rejected | Self::Expired | Self::Replaced
        )
    }

    /// Working at the venue (or possibly so, while `New`): counts as an open order.
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Accepted => "accepted",
            Self::PartiallyFilled => "partially_filled",
            Self::Filled => "filled",
            Self::Canceled => "canceled",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Replaced => "replaced",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A commission; Alpaca crypto takes it from what the buyer receives (base), others charge quote currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "currency", content = "amount", rename_all = "snake_case")]
pub enum Fee {
    /// Charged in the quote currency (cash).
    Quote(Money),
    /// Deducted from the received quantity of the instrument.
    Base(Quantity),
}

impl Default for Fee {
    fn default() -> Self {
        Fee::Quote(Money::ZERO)
    }
}

/// One execution against an order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fill {
    /// The venue's execution id; the same fill arriving twice is applied once.
    pub fill_id: String,
    /// Filled quantity (positive).
    pub quantity: Quantity,
    /// Execution price (positive).
    pub price: Price,
    /// Commission.
    pub fee: Fee,
    /// Venue time, nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
}

impl Fill {
    /// The change in the position this fill makes: +quantity for a buy, minus any fee taken in kind.
    pub fn position_delta(&self, side: Side) -> Result<Quantity, crate::error::MoneyError> {
        let signed = match side {
            Side::Buy => self.quantity,
            Side::Sell => self.quantity.checked_neg()?,
        };
        match self.fee {
            Fee::Base(fee) => signed.checked_sub(fee),
            Fee::Quote(_) => Ok(signed),
        }
    }
}

/// Something that happened to an order at the venue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OrderEvent {
    /// The venue acknowledged the order.
    Accepted {
        /// The venue's own id for it.
        venue_order_id: String,
    },
    /// The venue refused the order.
    Rejected {
        /// The venue's reason.
        reason: String,
    },
    /// An execution.
    Filled(Fill),
    /// Canceled (on request or by the venue).
    Canceled,
    /// Ran out of time in force.
    Expired,
    /// Superseded by the order `by`.
    Replaced {
        /// The replacing order.
        by: ClientOrderId,
    },
}

impl OrderEvent {
    /// The event's name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accepted { .. } => "accepted",
            Self::Rejected { .. } => "rejected",
            Self::Filled(_) => "fill",
            Self::Canceled => "canceled",
            Self::Expired => "expired",
            Self::Replaced { .. } => "replaced",
        }
    }
}

/// An order: its intent and everything that has happened to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    intent: OrderIntent,
    status: OrderStatus,
    venue_order_id: Option<String>,
    filled_quantity: Quantity,
    fill_notional: NotionalSum,
    fills: Vec<Fill>,
    reject_reason: Option<String>,
    replaced_by: Option<ClientOrderId>,
}

impl Order {
    /// A new order for `intent`, status `New`.
    pub fn new(intent: OrderIntent) -> Self {
        Self {
            intent,
            status: OrderStatus::New,
            venue_order_id: None,
            filled_quantity: Quantity::ZERO,
            fill_notional: NotionalSum::default(),
            fills: Vec::new(),
            reject_reason: None,
            replaced_by: None,
        }
    }

    /// Applies `event` if it is legal in the current status; otherwise leaves the order untouched.
    ///
    /// Legal: `new -> accepted | rejected | canceled | expired`; `accepted | partially_filled -> fill |
    /// canceled | expired | replaced`; a fill moves to `partially_filled` or, at the full quantity, `filled`.
    pub fn apply(&mut self, event: &OrderEvent) -> Result<(), TransitionError> {
        use OrderStatus::{Accepted, New, PartiallyFilled};
        let working = matches!(self.status, Accepted | PartiallyFilled);
        match (self.status, event) {
            (New, OrderEvent::Accepted { venue_order_id }) => {
                self.venue_order_id = Some(venue_order_id.clone());
                self.status = Accepted;
            }
            (New, OrderEvent::Rejected { reason }) => {
                self.reject_reason = Some(reason.clone());
                self.status = OrderStatus::Rejected;
            }
            (_, OrderEvent::Filled(fill)) if working => self.apply_fill(fill)?,
            (_, OrderEvent::Canceled) if working || self.status == New => {
                self.status = OrderStatus::Canceled
            }
            (_, OrderEvent::Expired) if working || self.status == New => {
                self.status = OrderStatus::Expired
            }
            (_, OrderEvent::Replaced { by }) if working => {
                self.replaced_by = Some(by.clone());
                self.status = OrderStatus::Replaced;
            }
            (from, event) => {
                return Err(TransitionError::Illegal {
                    client_order_id: self.intent.client_order_id.clone(),
                    from,
                    event: event.name(),
                });
            }
        }
        Ok(())
    }

    fn apply_fill(&mut self, fill: &Fill) -> Result<(), TransitionError> {
        let id = || self.intent.client_order_id.clone();
        if !fill.quantity.is_positive() || !fill.price.is_positive() {
            return Err(TransitionError::InvalidFill {
                client_order_id: id(),
                fill_id: fill.fill_id.clone(),
                quantity: fill.quantity,
                price: fill.price,
            });
        }
        if self.fills.iter().any(|seen| seen.fill_id == fill.fill_id) {
            return Err(TransitionError::DuplicateFill {
                client_order_id: id(),
                fill_id: fill.fill_id.clone(),
            });
        }
        let arithmetic = |source| TransitionError::Arithmetic {
            client_order_id: id(),
            source,
        };
        let filled = self
            .filled_quantity
            .checked_add(fill.quantity)
            .map_err(arithmetic)?;
        if filled > self.intent.quantity {
            return Err(TransitionError::Overfill {
                client_order_id: id(),
                filled: self.filled_quantity,
                fill: fill.quantity,
                quantity: self.intent.quantity,
            });
        }
        let mut notional = self.fill_notional;
        notional
            .add(fill.price, fill.quantity)
            .map_err(arithmetic)?;
        self.fill_notional = notional;
        self.filled_quantity = filled;
        if self.fills.is_empty() {
            // Most orders fill once: room for one fill, not the four a first push would reserve.
            self.fills.reserve_exact(1);
        }
        self.fills.push(fill.clone());
        self.status = if filled == self.intent.quantity {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        Ok(())
    }

    /// The intent this order was created from.
    pub fn intent(&self) -> &OrderIntent {
        &self.intent
    }
    /// The client order id.
    pub fn client_order_id(&self) -> &ClientOrderId {
        &self.intent.client_order_id
    }
    /// Current status.
    pub fn status(&self) -> OrderStatus {
        self.status
    }
    /// The venue's id, once acknowledged.
    pub fn venue_order_id(&self) -> Option<&str> {
        self.venue_order_id.as_deref()
    }
    /// Quantity filled so far (never above the order quantity).
    pub fn filled_quantity(&self) -> Quantity {
        self.filled_quantity
    }
    /// Quantity still to fill.
    pub fn remaining_quantity(&self) -> Quantity {
        Quantity::from_raw(self.intent.quantity.raw() - self.filled_quantity.raw())
    }
    /// The fills applied, in order.
    pub fn fills(&self) -> &[Fill] {
        &self.fills
    }
    /// Has a fill with this id been applied?
    pub fn has_fill(&self, fill_id: &str) -> bool {
        self.fills.iter().any(|fill| fill.fill_id == fill_id)
    }
    /// The volume-weighted average fill price, correctly rounded (half-even) from the exact notional sum.
    pub fn average_fill_price(&self) -> Option<Price> {
        self.fill_notional
            .average_price(self.filled_quantity, Rounding::HalfEven)
            .ok()
    }
    /// Why the venue rejected it, if it did.
    pub fn reject_reason(&self) -> Option<&str> {
        self.reject_reason.as_deref()
    }
    /// The order that replaced this one, if any.
    pub fn replaced_by(&self) -> Option<&ClientOrderId> {
        self.replaced_by.as_ref()
    }
    /// The signed position change from all fills (see [`Fill::position_delta`]).
    pub fn position_delta(&self) -> Result<Quantity, crate::error::MoneyError> {
        self.fills.iter().try_fold(Quantity::ZERO, |sum, fill| {
            sum.checked_add(fill.position_delta(self.intent.side)?)
        })
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
