//! `SimVenue`: a deterministic in-process venue matching against bars, with fees, volume caps and seeded faults.
//!
//! Orders match bars in arrival order (the rules are in [`crate::matching`]); each bar's fillable quantity is a
//! share of its volume, shared by all orders of the symbol. Time in force: `ioc`/`fok` act on their first bar
//! (after any latency) and cancel the rest, `opg`/`cls` execute at that bar's open/close or cancel, `day` expires
//! at the first bar of a later UTC day (a simplification: no exchange calendar here). Events (fills, cancels,
//! expiries, replacements) queue for [`Venue::poll_events`]; acknowledgements are returned by the calls.

use std::collections::{BTreeMap, VecDeque};

use foldhash::{HashMap, HashMapExt};
use serde::{Deserialize, Serialize};

use crate::error::{SimError, VenueError};
use crate::fees::FeeModel;
use crate::matching::{Bar, WorkingState, match_bar};
use crate::money::{Price, Quantity, Rounding};
use crate::order::{
    ClientOrderId, Fill, OrderEvent, OrderIntent, OrderStatus, Symbol, TimeInForce,
};
use crate::venue::{Venue, VenueAck, VenueEvent, VenueOrder, VenuePosition};

const DAY_NS: u64 = 86_400_000_000_000;

/// `{prefix}{infix}{n}` without the formatting machinery (a venue id and a fill id per order on the hot path).
fn numbered(prefix: &str, infix: &str, n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(prefix.len() + infix.len() + digits.len() - at);
    text.push_str(prefix);
    text.push_str(infix);
    text.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
    text
}

/// Faults injected per request, in parts per thousand, drawn from a seeded generator (reproducible chaos).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultConfig {
    /// Seed of the fault generator.
    pub seed: u64,
    /// A submit or replace is refused outright.
    pub reject: u16,
    /// The request times out before the venue sees it.
    pub timeout_before: u16,
    /// The venue processes the request, but the answer is lost (a timeout to the caller).
    pub timeout_after: u16,
    /// The connection drops before the venue sees the request.
    pub disconnect: u16,
    /// An accepted order's acknowledgement is also pushed, again, on the event stream.
    pub duplicate_ack: u16,
    /// An event poll returns nothing; the events arrive (in order) on a later poll.
    pub late_events: u16,
}

/// Simulator settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Slippage of market and stop executions, in basis points against the order.
    pub slippage_bps: u32,
    /// Most of a bar's volume the simulator fills (over all orders in the symbol), e.g. `0.1`; `None`: no cap.
    pub volume_share: Option<Price>,
    /// Fill quantities are multiples of this (1 for whole shares).
    pub quantity_increment: Quantity,
    /// Commission model.
    pub fees: FeeModel,
    /// Fault injection.
    pub faults: FaultConfig,
    /// Latency in bars: an order takes part in matching only from this many bars after the next one on
    /// (0: it can fill on the next bar).
    pub latency_bars: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            slippage_bps: 0,
            volume_share: None,
            quantity_increment: Quantity::ONE,
            fees: FeeModel::Zero,
            faults: FaultConfig::default(),
            latency_bars: 0,
        }
    }
}

#[derive(Clone, Debug)]
struct SimOrder {
    intent: OrderIntent,
    venue_order_id: String,
    status: OrderStatus,
    fills: Vec<Fill>,
    filled: Quantity,
    replaced_by: Option<ClientOrderId>,
    state: WorkingState,
    /// UTC day of submission (from the last bar seen), for `day` expiry.
    day: Option<u64>,
    bars_seen: u32,
}

impl SimOrder {
    fn snapshot(&self) -> VenueOrder {
        VenueOrder {
            client_order_id: self.intent.client_order_id.clone(),
            venue_order_id: self.venue_order_id.clone(),
            status: self.status,
            fills: self.fills.clone(),
            reject_reason: None,
            replaced_by: self.replaced_by.clone(),
        }
    }
}

/// The simulated venue. Idempotent on client order id like Alpaca: a used id is refused and nothing is created.
#[derive(Debug)]
pub struct SimVenue {
    config: SimConfig,
    rng: fastrand::Rng,
    /// Boxed: a growing map moves 8 bytes per order, not the whole order.
    orders: HashMap<ClientOrderId, Box<SimOrder>>,
    /// Working orders in arrival order (matching priority).
    book: Vec<ClientOrderId>,
    events: VecDeque<VenueEvent>,
    positions: BTreeMap<Symbol, Quantity>,
    next_order: u64,
    now_ns: u64,
    refused_duplicates: u64,
    faults_enabled: bool,
}

enum Roll {
    Fine,
    LoseRequest(VenueError),
    LoseAnswer,
}

impl SimVenue {
    /// A venue with no orders and flat positions.
    pub fn new(config: SimConfig) -> Self {
        let rng = fastrand::Rng::with_seed(config.faults.seed);
        Self {
            config,
            rng,
            orders: HashMap::new(),
            book: Vec::new(),
            events: VecDeque::new(),
            positions: BTreeMap::new(),
            next_order: 0,
            now_ns: 0,
            refused_duplicates: 0,
            faults_enabled: true,
        }
    }

    /// Turns fault injection on or off (chaos tests end with a clean reconciliation).
    pub fn set_faults_enabled(&mut self, enabled: bool) {
        self.faults_enabled = enabled;
    }

    /// Submits that were refused because the id was already used (the gateway should cause none).
    pub fn refused_duplicates(&self) -> u64 {
        self.refused_duplicates
    }

    /// Every order the venue holds, by client order id.
    pub fn order_snapshots(&self) -> Vec<VenueOrder> {
        let mut all: Vec<VenueOrder> = self.orders.values().map(|o| o.snapshot()).collect();
        all.sort_by(|a, b| a.client_order_id.cmp(&b.client_order_id));
        all
    }

    fn roll(&mut self) -> Roll {
        let faults = self.config.faults;
        if !self.faults_enabled {
            return Roll::Fine;
        }
        let draw = self.rng.u16(0..1000);
        let (before, disconnect, after) = (
            faults.timeout_before,
            faults.disconnect,
            faults.timeout_after,
        );
        if draw < before {
            Roll::LoseRequest(VenueError::Timeout)
        } else if draw < before + disconnect {
            Roll::LoseRequest(VenueError::Disconnected)
        } else if draw < before + disconnect + after {
            Roll::LoseAnswer
        } else {
            Roll::Fine
        }
    }

    fn chance(&mut self, per_mille: u16) -> bool {
        self.faults_enabled && per_mille > 0 && self.rng.u16(0..1000) < per_mille
    }

    /// Runs `process` under the fault roll: lost requests never reach it, lost answers are processed then dropped.
    fn faulty<T>(
        &mut self,
        process: impl FnOnce(&mut Self) -> Result<T, VenueError>,
    ) -> Result<T, VenueError> {
        match self.roll() {
            Roll::LoseRequest(error) => Err(error),
            Roll::LoseAnswer => {
                let _ = process(self);
                Err(VenueError::Timeout)
            }
            Roll::Fine => process(self),
        }
    }

    fn create(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        if self.orders.contains_key(&intent.client_order_id) {
            self.refused_duplicates += 1;
            return Err(VenueError::DuplicateClientOrderId(
                intent.client_order_id.clone(),
            ));
        }
        if self.chance(self.config.faults.reject) {
            return Err(VenueError::Rejected {
                reason: "simulated reject".into(),
            });
        }
        self.next_order += 1;
        let venue_order_id = numbered("sim-", "", self.next_order);
        let order = SimOrder {
            intent: intent.clone(),
            venue_order_id: venue_order_id.clone(),
            status: OrderStatus::Accepted,
            fills: Vec::new(),
            filled: Quantity::ZERO,
            replaced_by: None,
            state: WorkingState::default(),
            day: (self.now_ns > 0).then_some(self.now_ns / DAY_NS),
            bars_seen: 0,
        };
        self.orders
            .insert(intent.client_order_id.clone(), Box::new(order));
        self.book.push(intent.client_order_id.clone());
        if self.chance(self.config.faults.duplicate_ack) {
            let event = OrderEvent::Accepted {
                venue_order_id: venue_order_id.clone(),
            };
            self.push(&intent.client_order_id, event);
        }
        Ok(VenueAck { venue_order_id })
    }

    fn push(&mut self, id: &ClientOrderId, event: OrderEvent) {
        let venue_order_id = self.orders[id].venue_order_id.clone();
        self.events.push_back(VenueEvent {
            client_order_id: id.clone(),
            venue_order_id,
            event,
        });
    }

    fn close(&mut self, id: &ClientOrderId, status: OrderStatus, event: OrderEvent) {
        if let Some(order) = self.orders.get_mut(id) {
            order.status = status;
        }
        self.book.retain(|open| open != id);
        self.push(id, event);
    }

    /// Matches every working order of `bar.symbol` against `bar`, in arrival order, and queues the events.
    pub fn on_bar(&mut self, bar: &Bar) -> Result<(), SimError> {
        bar.validate().map_err(SimError::InvalidBar)?;
        self.now_ns = self.now_ns.max(bar.timestamp_ns);
        let mut capacity = match self.config.volume_share {
            Some(share) => Some(
                bar.volume
                    .checked_scale(Quantity::from_raw(share.raw()), Rounding::Down)?,
            ),
            None => None,
        };
        // One pass over the book, compacting it in place (arrival order kept): orders that finish leave it without a
        // search per fill, and no list is allocated per bar. After an error the rest stays as it was.
        let mut book = std::mem::take(&mut self.book);
        let mut kept = 0;
        let mut outcome = Ok(());
        for read in 0..book.len() {
            let id = &book[read];
            let working = outcome.is_err()
                || self.orders[id].intent.symbol != bar.symbol
                || self
                    .match_order(id, bar, &mut capacity)
                    .unwrap_or_else(|error| {
                        outcome = Err(error);
                        true
                    });
            if working {
                book.swap(kept, read);
                kept += 1;
            }
        }
        book.truncate(kept);
        self.book = book;
        outcome?;
        self.positions.retain(|_, quantity| !quantity.is_zero());
        Ok(())
    }

    /// Matches one working order against `bar`, sharing the bar's fillable `capacity`; queues its events and
    /// returns whether it is still working (stays in the book).
    fn match_order(
        &mut self,
        id: &ClientOrderId,
        bar: &Bar,
        capacity: &mut Option<Quantity>,
    ) -> Result<bool, SimError> {
        let order = self.orders.get_mut(id).expect("book holds known orders");
        order.bars_seen += 1;
        if order.bars_seen <= self.config.latency_bars {
            return Ok(true); // still on its way to the venue's matching engine
        }
        let first_bar = order.bars_seen == self.config.latency_bars + 1;
        let tif = order.intent.time_in_force;
        let day = *order.day.get_or_insert(bar.timestamp_ns / DAY_NS);
        if tif == TimeInForce::Day && bar.timestamp_ns / DAY_NS > day {
            self.close(id, OrderStatus::Expired, OrderEvent::Expired);
            return Ok(false);
        }
        let (side, kind) = (order.intent.side, order.intent.kind);
        let execution = match tif {
            // Auction orders execute at the auction price or not at all.
            TimeInForce::Opg | TimeInForce::Cls => {
                let auction = if tif == TimeInForce::Opg {
                    bar.open
                } else {
                    bar.close
                };
                let auction_bar = Bar {
                    open: auction,
                    high: auction,
                    low: auction,
                    close: auction,
                    ..bar.clone()
                };
                match_bar(side, &kind, &mut order.state, &auction_bar, 0)?
            }
            _ => match_bar(side, &kind, &mut order.state, bar, self.config.slippage_bps)?,
        };
        let remaining = Quantity::from_raw(order.intent.quantity.raw() - order.filled.raw());
        let increment = self.config.quantity_increment;
        let mut quantity = match *capacity {
            Some(cap) => remaining
                .min(cap)
                .round_to_increment(increment, Rounding::Down)?,
            None => remaining,
        };
        if execution.is_none() || (tif == TimeInForce::Fok && quantity < remaining) {
            quantity = Quantity::ZERO;
        }
        if let (Some(execution), true) = (execution, quantity.is_positive()) {
            if let Some(cap) = capacity.as_mut() {
                *cap = cap.checked_sub(quantity)?;
            }
            let fee = self
                .config
                .fees
                .fee(side, quantity, execution.price, execution.liquidity)?;
            let fill_id = numbered(&order.venue_order_id, "-f", order.fills.len() as u64 + 1);
            let fill = Fill {
                fill_id,
                quantity,
                price: execution.price,
                fee,
                timestamp_ns: bar.timestamp_ns,
            };
            let delta = fill.position_delta(side)?;
            order.filled = order.filled.checked_add(quantity)?;
            if order.fills.is_empty() {
                // Most orders fill once: room for one fill, not the four a first push would reserve.
                order.fills.reserve_exact(1);
            }
            order.fills.push(fill.clone());
            let done = order.filled == order.intent.quantity;
            order.status = if done {
                OrderStatus::Filled
            } else {
                OrderStatus::PartiallyFilled
            };
            let position = self
                .positions
                .entry(bar.symbol.clone())
                .or_insert(Quantity::ZERO);
            *position = position.checked_add(delta)?;
            self.push(id, OrderEvent::Filled(fill));
            if done {
                return Ok(false);
            }
        }
        if first_bar
            && matches!(
                tif,
                TimeInForce::Ioc | TimeInForce::Fok | TimeInForce::Opg | TimeInForce::Cls
            )
        {
            self.close(id, OrderStatus::Canceled, OrderEvent::Canceled);
            return Ok(false);
        }
        Ok(true)
    }
}

impl Venue for SimVenue {
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        self.faulty(|venue| venue.create(intent))
    }

    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError> {
        self.faulty(|venue| {
            let status = venue
                .orders
                .get(old)
                .map(|order| order.status)
                .ok_or_else(|| VenueError::UnknownOrder(old.clone()))?;
            if !matches!(status, OrderStatus::Accepted | OrderStatus::PartiallyFilled) {
                return Err(VenueError::Rejected {
                    reason: format!("order {old} is {status} and cannot be replaced"),
                });
            }
            let ack = venue.create(new)?;
            if let Some(order) = venue.orders.get_mut(old) {
                order.replaced_by = Some(new.client_order_id.clone());
            }
            venue.close(
                old,
                OrderStatus::Replaced,
                OrderEvent::Replaced {
                    by: new.client_order_id.clone(),
                },
            );
            Ok(ack)
        })
    }

    fn cancel(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        self.faulty(|venue| {
            let status = venue
                .orders
                .get(id)
                .map(|order| order.status)
                .ok_or_else(|| VenueError::UnknownOrder(id.clone()))?;
            if status.is_terminal() {
                return Err(VenueError::Rejected {
                    reason: format!("order {id} is {status} and cannot be canceled"),
                });
            }
            venue.close(id, OrderStatus::Canceled, OrderEvent::Canceled);
            Ok(())
        })
    }

    fn order(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        self.faulty(|venue| Ok(venue.orders.get(id).map(|o| o.snapshot())))
    }

    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError> {
        Ok(self
            .positions
            .iter()
            .map(|(symbol, quantity)| VenuePosition {
                symbol: symbol.clone(),
                quantity: *quantity,
            })
            .collect())
    }

    fn poll_events(&mut self) -> Vec<VenueEvent> {
        if self.chance(self.config.faults.late_events) {
            return Vec::new();
        }
        self.events.drain(..).collect()
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
