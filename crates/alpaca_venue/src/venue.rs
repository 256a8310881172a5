//! `AlpacaVenue`: submit, replace, cancel, look up by client order id, positions and account over Alpaca's
//! Trading API v2, with order events pushed by the trade_updates stream and checked by polling.
//!
//! Polling: the venue follows every open order it knows of (sent by it, or found open by a lookup, as the gateway
//! does for each open order at start). A full poll lists the orders submitted since the oldest followed one
//! (one request) and, when a filled quantity grew, reads the account's FILL activities (one more, paged): their
//! ids are stable across polls and restarts, so the gateway applies each execution once.
//!
//! The stream ([`crate::stream`]): each order state it pushes is settled like a listed one, so a cancel costs no
//! request and a fill costs one (its activities). Full polls then only reconcile (every `reconcile_interval`), plus
//! once at every new stream epoch (updates may have been missed while it was down) and soon after a fill the
//! activity feed did not show yet. While the stream is down, full polls run every `poll_interval`, as without it.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use exec_gateway::error::VenueError;
use exec_gateway::money::{Money, Quantity};
use exec_gateway::order::{ClientOrderId, Fill, OrderEvent, OrderIntent, OrderStatus, Symbol};
use exec_gateway::venue::{Venue, VenueAck, VenueEvent, VenueOrder, VenuePosition};
use serde::de::DeserializeOwned;

use crate::config::AlpacaConfig;
use crate::http::{Answer, Http, Method};
use crate::stream::TradeUpdates;
use crate::timestamp::{format_rfc3339_micros, parse_rfc3339};
use crate::wire::{
    self, WireAccount, WireFill, WireOrder, WirePosition, order_body, parse_field, replace_body,
    replace_mismatch,
};

/// FILL activities per page (Alpaca's maximum).
const PAGE_SIZE: usize = 100;
/// Orders per listing (Alpaca's maximum); followed orders beyond it are fetched one by one.
const ORDERS_LIMIT: usize = 500;
/// After a pushed fill the FILL activities did not show yet, the next full poll comes this soon.
const LAGGING_FILL_RETRY: Duration = Duration::from_millis(250);

/// The account's money, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountSnapshot {
    /// Cash.
    pub cash: Money,
    /// Cash plus positions at market.
    pub equity: Money,
    /// What can be spent on new orders.
    pub buying_power: Money,
}

#[derive(Debug)]
struct Tracked {
    venue_order_id: String,
    /// Creation time at Alpaca (ns): polls ask for orders and fills from the oldest followed order on.
    created_ns: i64,
    filled: Quantity,
    fills: BTreeSet<String>,
}

/// The Alpaca venue. Alpaca itself refuses a second order with a used client order id (HTTP 422), which this
/// venue reports as [`VenueError::DuplicateClientOrderId`].
#[derive(Debug)]
pub struct AlpacaVenue {
    http: Http,
    crypto_fee_bps: u32,
    open: BTreeMap<ClientOrderId, Tracked>,
    /// Alpaca id -> client order id, for replacements (Alpaca names the replacing order by its own id).
    client_ids: HashMap<String, ClientOrderId>,
    /// The trade_updates reader, when configured and started.
    stream: Option<TradeUpdates>,
    /// The stream epoch the last full poll covered: pushes of that epoch are trusted.
    synced_epoch: Option<u64>,
    next_full_poll: Option<Instant>,
    poll_interval: Duration,
    reconcile_interval: Duration,
}

/// A 2xx answer we cannot read: treated like a lost answer (the request may have been processed, so the gateway
/// looks the order up before anything is resent). The reason goes to the gateway's log (stderr).
fn malformed(what: &str, why: impl std::fmt::Display) -> VenueError {
    eprintln!("alpaca_venue: cannot read Alpaca's {what}: {why}");
    VenueError::Disconnected
}

fn decode<T: DeserializeOwned>(answer: &Answer, what: &str) -> Result<T, VenueError> {
    serde_json::from_str(&answer.body).map_err(|e| malformed(what, e))
}

impl AlpacaVenue {
    /// A venue for the account `config` names. No request is sent until the first call; the trade_updates
    /// stream (when `config` names one) connects in the background, and polling covers for it until it does.
    pub fn new(config: &AlpacaConfig) -> Self {
        let stream = config.trade_updates_url.as_ref().and_then(|url| {
            TradeUpdates::spawn(url.clone(), config)
                .inspect_err(|e| {
                    eprintln!("alpaca_venue: cannot start the trade_updates reader: {e}")
                })
                .ok()
        });
        Self {
            http: Http::new(config),
            crypto_fee_bps: config.crypto_fee_bps,
            open: BTreeMap::new(),
            client_ids: HashMap::new(),
            stream,
            synced_epoch: None,
            next_full_poll: None,
            poll_interval: config.poll_interval,
            reconcile_interval: config.reconcile_interval,
        }
    }

    /// Cash, equity and buying power (`GET /v2/account`).
    pub fn account(&mut self) -> Result<AccountSnapshot, VenueError> {
        let answer = self.http.send(Method::Get, "/v2/account", &[], None)?;
        let account: WireAccount = decode(&answer, "account")?;
        let money = |value: Option<String>, field: &str| -> Result<Money, VenueError> {
            parse_field(value.as_deref(), field).map_err(|e| malformed("account", e))
        };
        Ok(AccountSnapshot {
            cash: money(account.cash, "cash")?,
            equity: money(account.equity, "equity")?,
            buying_power: money(account.buying_power, "buying_power")?,
        })
    }

    /// Client order ids of the orders this venue is following for events.
    pub fn followed_orders(&self) -> impl Iterator<Item = &ClientOrderId> {
        self.open.keys()
    }

    fn remember(&mut self, order: &WireOrder) -> Result<ClientOrderId, VenueError> {
        let id =
            ClientOrderId::new(order.client_order_id.clone()).map_err(|e| malformed("order", e))?;
        self.client_ids.insert(order.id.clone(), id.clone());
        Ok(id)
    }

    fn follow(&mut self, id: &ClientOrderId, order: &WireOrder, fills: &[Fill]) {
        let created_ns = parse_rfc3339(&order.created_at).unwrap_or(0);
        let entry = self.open.entry(id.clone()).or_insert_with(|| Tracked {
            venue_order_id: order.id.clone(),
            created_ns,
            filled: Quantity::ZERO,
            fills: BTreeSet::new(),
        });
        for fill in fills {
            if entry.fills.insert(fill.fill_id.clone()) {
                entry.filled = entry
                    .filled
                    .checked_add(fill.quantity)
                    .unwrap_or(entry.filled);
            }
        }
    }

    /// Alpaca's id of `id`: known from our own calls, or looked up.
    fn venue_id(&mut self, id: &ClientOrderId) -> Result<Option<String>, VenueError> {
        if let Some(tracked) = self.open.get(id) {
            return Ok(Some(tracked.venue_order_id.clone()));
        }
        Ok(self.fetch_by_client_id(id)?.map(|order| order.id))
    }

    fn fetch_by_client_id(&mut self, id: &ClientOrderId) -> Result<Option<WireOrder>, VenueError> {
        let answer = self.http.send(
            Method::Get,
            "/v2/orders:by_client_order_id",
            &[("client_order_id", id.as_str())],
            None,
        )?;
        if answer.status == 404 {
            return Ok(None);
        }
        let order: WireOrder = decode(&answer, "order")?;
        self.remember(&order)?;
        Ok(Some(order))
    }

    fn fetch_by_venue_id(&mut self, venue_order_id: &str) -> Result<Option<WireOrder>, VenueError> {
        let answer = self.http.send(
            Method::Get,
            &format!("/v2/orders/{venue_order_id}"),
            &[],
            None,
        )?;
        if answer.status == 404 {
            return Ok(None);
        }
        let order: WireOrder = decode(&answer, "order")?;
        self.remember(&order)?;
        Ok(Some(order))
    }

    /// Every execution of `order`, oldest first, from the account's FILL activities since its creation.
    fn fills_of(&self, order: &WireOrder) -> Result<Vec<Fill>, VenueError> {
        let since = parse_rfc3339(&order.created_at)
            .ok_or_else(|| malformed("order.created_at", &order.created_at))?;
        Ok(self
            .fills_since(since)?
            .remove(&order.id)
            .unwrap_or_default())
    }

    /// Every execution since `since_ns` (less a second of clock slack), by Alpaca order id, oldest first.
    fn fills_since(&self, since_ns: i64) -> Result<HashMap<String, Vec<Fill>>, VenueError> {
        let after = format_rfc3339_micros(since_ns - 1_000_000_000);
        let page_size = PAGE_SIZE.to_string();
        let mut token: Option<String> = None;
        let mut fills: HashMap<String, Vec<Fill>> = HashMap::new();
        loop {
            let mut query = vec![
                ("direction", "asc"),
                ("after", after.as_str()),
                ("page_size", page_size.as_str()),
            ];
            if let Some(token) = &token {
                query.push(("page_token", token.as_str()));
            }
            let answer =
                self.http
                    .send(Method::Get, "/v2/account/activities/FILL", &query, None)?;
            let page: Vec<WireFill> = decode(&answer, "activities")?;
            for activity in &page {
                let converted =
                    wire::fill(activity, self.crypto_fee_bps).map_err(|e| malformed("fill", e))?;
                fills
                    .entry(activity.order_id.clone())
                    .or_default()
                    .push(converted);
            }
            match page.last() {
                Some(last) if page.len() >= PAGE_SIZE => token = Some(last.id.clone()),
                _ => return Ok(fills),
            }
        }
    }

    /// Orders submitted since `since_ns` (less a second of slack), by Alpaca id: one request for every poll.
    fn orders_since(&self, since_ns: i64) -> Result<HashMap<String, WireOrder>, VenueError> {
        let after = format_rfc3339_micros(since_ns - 1_000_000_000);
        let limit = ORDERS_LIMIT.to_string();
        let query = [
            ("status", "all"),
            ("direction", "asc"),
            ("after", after.as_str()),
            ("limit", limit.as_str()),
        ];
        let answer = self.http.send(Method::Get, "/v2/orders", &query, None)?;
        let orders: Vec<WireOrder> = decode(&answer, "orders")?;
        Ok(orders.into_iter().map(|o| (o.id.clone(), o)).collect())
    }

    fn filled_qty(order: &WireOrder) -> Result<Quantity, VenueError> {
        match order.filled_qty.as_deref() {
            None => Ok(Quantity::ZERO),
            Some(text) => text.parse().map_err(|e| malformed("filled_qty", e)),
        }
    }

    /// The client order id of the order that replaced `order`.
    fn replacement_of(&mut self, order: &WireOrder) -> Result<Option<ClientOrderId>, VenueError> {
        let Some(by) = &order.replaced_by else {
            return Ok(None);
        };
        if let Some(id) = self.client_ids.get(by) {
            return Ok(Some(id.clone()));
        }
        Ok(self
            .fetch_by_venue_id(by)?
            .and_then(|o| ClientOrderId::new(o.client_order_id).ok()))
    }

    fn snapshot(
        &mut self,
        id: &ClientOrderId,
        order: &WireOrder,
    ) -> Result<VenueOrder, VenueError> {
        let filled = Self::filled_qty(order)?;
        let status = wire::status(&order.status, filled).map_err(|e| malformed("status", e))?;
        let fills = if filled.is_positive() {
            self.fills_of(order)?
        } else {
            Vec::new()
        };
        let replaced_by = if status == OrderStatus::Replaced {
            self.replacement_of(order)?
        } else {
            None
        };
        if status.is_terminal() {
            self.open.remove(id);
        } else {
            self.follow(id, order, &fills);
        }
        Ok(VenueOrder {
            client_order_id: id.clone(),
            venue_order_id: order.id.clone(),
            status,
            fills,
            reject_reason: (status == OrderStatus::Rejected)
                .then(|| "rejected by Alpaca".to_owned()),
            replaced_by,
        })
    }

    /// What happened to one followed order since the last poll, given its current state at Alpaca and (when
    /// its filled quantity grew) the account's recent executions.
    fn poll_one(
        &mut self,
        id: &ClientOrderId,
        order: &WireOrder,
        recent: &HashMap<String, Vec<Fill>>,
    ) -> Result<Vec<VenueEvent>, VenueError> {
        let Some(tracked) = self.open.get(id) else {
            return Ok(Vec::new());
        };
        let known = tracked.filled;
        let filled = Self::filled_qty(order)?;
        let status = wire::status(&order.status, filled).map_err(|e| malformed("status", e))?;
        let event = |event| VenueEvent {
            client_order_id: id.clone(),
            venue_order_id: order.id.clone(),
            event,
        };
        let mut events = Vec::new();
        if filled > known {
            let seen = &tracked.fills;
            let fresh: Vec<Fill> = recent
                .get(&order.id)
                .into_iter()
                .flatten()
                .filter(|f| !seen.contains(&f.fill_id))
                .cloned()
                .collect();
            self.follow(id, order, &fresh);
            events.extend(fresh.into_iter().map(|f| event(OrderEvent::Filled(f))));
        }
        let all_fills_seen = self.open.get(id).is_none_or(|t| t.filled >= filled);
        if !all_fills_seen {
            // Alpaca's activity feed lags its order: report the end (cancel, replace) only after every fill.
            return Ok(events);
        }
        let finished = match status {
            OrderStatus::Canceled => Some(OrderEvent::Canceled),
            OrderStatus::Expired => Some(OrderEvent::Expired),
            OrderStatus::Rejected => Some(OrderEvent::Rejected {
                reason: "rejected by Alpaca".into(),
            }),
            OrderStatus::Replaced => self
                .replacement_of(order)?
                .map(|by| OrderEvent::Replaced { by }),
            _ => None,
        };
        if let Some(finished) = finished {
            events.push(event(finished));
        }
        if status.is_terminal() {
            self.open.remove(id);
        }
        Ok(events)
    }

    /// One full poll: the followed orders' current state (one request), then [`Self::settle`].
    fn poll(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        let Some(oldest) = self.open.values().map(|t| t.created_ns).min() else {
            return Ok(Vec::new());
        };
        let mut listed = self.orders_since(oldest)?;
        let followed: Vec<(ClientOrderId, String)> = self
            .open
            .iter()
            .map(|(id, t)| (id.clone(), t.venue_order_id.clone()))
            .collect();
        for (id, venue_order_id) in &followed {
            if !listed.contains_key(venue_order_id) {
                // Beyond the list's limit (or gone): ask for it alone.
                match self.fetch_by_venue_id(venue_order_id)? {
                    Some(order) => {
                        listed.insert(venue_order_id.clone(), order);
                    }
                    None => {
                        self.open.remove(id);
                    }
                }
            }
        }
        Ok(self.settle(&listed)?.0)
    }

    /// The events of the followed orders whose current state `listed` holds (by Alpaca id): their new
    /// executions (one request, when any filled quantity grew), then their ends, in order per order. Also
    /// says whether an order reported more filled than the activity feed showed yet.
    fn settle(
        &mut self,
        listed: &HashMap<String, WireOrder>,
    ) -> Result<(Vec<VenueEvent>, bool), VenueError> {
        let followed: Vec<(ClientOrderId, String, Quantity, i64)> = self
            .open
            .iter()
            .filter(|(_, t)| listed.contains_key(&t.venue_order_id))
            .map(|(id, t)| (id.clone(), t.venue_order_id.clone(), t.filled, t.created_ns))
            .collect();
        let grew = followed.iter().filter(|(_, vid, known, _)| {
            listed
                .get(vid)
                .and_then(|o| Self::filled_qty(o).ok())
                .is_some_and(|filled| filled > *known)
        });
        let recent = match grew.map(|(_, _, _, created)| *created).min() {
            Some(since) => self.fills_since(since)?,
            None => HashMap::new(),
        };
        let mut events = Vec::new();
        let mut lagging = false;
        for (id, venue_order_id, _, _) in followed {
            if let Some(order) = listed.get(&venue_order_id) {
                events.extend(self.poll_one(&id, order, &recent)?);
                let filled = Self::filled_qty(order)?;
                lagging |= self.open.get(&id).is_some_and(|t| t.filled < filled);
            }
        }
        // Only followed orders need their client ids at hand (a replacement names its successor by Alpaca id).
        let followed_ids: BTreeSet<&str> = self
            .open
            .values()
            .map(|t| t.venue_order_id.as_str())
            .collect();
        self.client_ids
            .retain(|venue_order_id, _| followed_ids.contains(venue_order_id.as_str()));
        Ok((events, lagging))
    }

    /// A full poll, and when the next one is due. Failing, the next comes after `poll_interval` (never
    /// sooner: Alpaca's request budget is shared with the orders).
    fn full_poll(&mut self, now: Instant) -> Vec<VenueEvent> {
        let interval = if self.synced_epoch.is_some() {
            self.reconcile_interval
        } else {
            self.poll_interval
        };
        self.next_full_poll = Some(now + interval);
        self.poll().unwrap_or_else(|_| {
            self.next_full_poll = Some(now + self.poll_interval);
            Vec::new()
        })
    }

    /// Settles the order states the stream pushed; a failure (or a fill the activity feed lags behind) brings
    /// the next full poll forward, which covers every followed order, so nothing pushed is lost.
    fn settle_pushed(&mut self, pushed: Vec<WireOrder>, now: Instant) -> Vec<VenueEvent> {
        // The newest state of each order wins (pushes arrive oldest first).
        let listed: HashMap<String, WireOrder> =
            pushed.into_iter().map(|o| (o.id.clone(), o)).collect();
        let soon = now + LAGGING_FILL_RETRY;
        match self.settle(&listed) {
            Ok((events, lagging)) => {
                if lagging {
                    self.next_full_poll = self.next_full_poll.map(|at| at.min(soon));
                }
                events
            }
            Err(_) => {
                self.next_full_poll = Some(soon);
                Vec::new()
            }
        }
    }
}

impl Venue for AlpacaVenue {
    fn submit(&mut self, intent: &OrderIntent) -> Result<VenueAck, VenueError> {
        let answer = self
            .http
            .send(Method::Post, "/v2/orders", &[], Some(&order_body(intent)))?;
        if answer.is_duplicate_id() {
            return Err(VenueError::DuplicateClientOrderId(
                intent.client_order_id.clone(),
            ));
        }
        if answer.status == 404 {
            return Err(VenueError::Rejected {
                reason: "HTTP 404 on POST /v2/orders".into(),
            });
        }
        let order: WireOrder = decode(&answer, "order")?;
        let id = self.remember(&order)?;
        if order.status == "rejected" {
            return Err(VenueError::Rejected {
                reason: "rejected by Alpaca".into(),
            });
        }
        self.follow(&id, &order, &[]);
        Ok(VenueAck {
            venue_order_id: order.id,
        })
    }

    fn replace(&mut self, old: &ClientOrderId, new: &OrderIntent) -> Result<VenueAck, VenueError> {
        let Some(current) = self.fetch_by_client_id(old)? else {
            return Err(VenueError::UnknownOrder(old.clone()));
        };
        if let Some(reason) = replace_mismatch(&current, new) {
            return Err(VenueError::Rejected { reason });
        }
        let path = format!("/v2/orders/{}", current.id);
        let answer = self
            .http
            .send(Method::Patch, &path, &[], Some(&replace_body(new)))?;
        if answer.is_duplicate_id() {
            return Err(VenueError::DuplicateClientOrderId(
                new.client_order_id.clone(),
            ));
        }
        if answer.status == 404 {
            return Err(VenueError::UnknownOrder(old.clone()));
        }
        let order: WireOrder = decode(&answer, "order")?;
        let id = self.remember(&order)?;
        self.follow(&id, &order, &[]);
        Ok(VenueAck {
            venue_order_id: order.id,
        })
    }

    fn cancel(&mut self, id: &ClientOrderId) -> Result<(), VenueError> {
        let Some(venue_order_id) = self.venue_id(id)? else {
            return Err(VenueError::UnknownOrder(id.clone()));
        };
        let answer = self.http.send(
            Method::Delete,
            &format!("/v2/orders/{venue_order_id}"),
            &[],
            None,
        )?;
        if answer.status == 404 {
            return Err(VenueError::UnknownOrder(id.clone()));
        }
        Ok(())
    }

    fn order(&mut self, id: &ClientOrderId) -> Result<Option<VenueOrder>, VenueError> {
        match self.fetch_by_client_id(id)? {
            None => Ok(None),
            Some(order) => self.snapshot(id, &order).map(Some),
        }
    }

    fn positions(&mut self) -> Result<Vec<VenuePosition>, VenueError> {
        let answer = self.http.send(Method::Get, "/v2/positions", &[], None)?;
        let rows: Vec<WirePosition> = decode(&answer, "positions")?;
        rows.into_iter()
            .map(|row| {
                let symbol = Symbol::new(wire::pair_symbol(&row.symbol, &row.asset_class))
                    .map_err(|e| malformed("position.symbol", e))?;
                let quantity: Quantity = parse_field(row.qty.as_deref(), "position.qty")
                    .map_err(|e| malformed("position", e))?;
                Ok(VenuePosition { symbol, quantity })
            })
            .collect()
    }

    fn poll_events(&mut self) -> Vec<VenueEvent> {
        // A failed poll loses nothing: every order stays followed (its fills known by id) and is asked again.
        let now = Instant::now();
        let Some(stream) = &self.stream else {
            // Without the stream the server ticks at the poll interval itself: every tick is a full poll.
            return self.poll().unwrap_or_default();
        };
        let state = stream.state();
        // Taken before any request: whatever a full poll below reads is newer than these.
        let pushed = stream.take();
        let listening = state.listening.then_some(state.epoch);
        let new_epoch = listening.is_some() && listening != self.synced_epoch;
        if new_epoch || self.next_full_poll.is_none_or(|at| now >= at) {
            self.synced_epoch = listening;
            return self.full_poll(now);
        }
        if listening.is_none() || pushed.is_empty() {
            return Vec::new();
        }
        self.settle_pushed(pushed, now)
    }
}
