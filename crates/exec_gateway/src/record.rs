//! The gateway's journal records and their payload encoding: a compact binary layout, JSON from older journals.
//!
//! Binary layout, written by [`JournalRecord::encode`]: `FORMAT_V1: u8 | tag: u8 | fields`, where a text is
//! `len: varint | UTF-8 bytes`, an optional value is `0: u8` or `1: u8 | value`, money and quantities are their raw
//! fixed-point `i128` as a zigzag varint (LEB128: 7 bits a byte, low bits first; an amount below 10^7 takes at
//! most 8 bytes, not 16), timestamps a little-endian `u64`.
//! - intent (tag 1): id, symbol, side, quantity, kind (`tag: u8 | prices`), time in force, strategy?, replaces?
//! - event (tag 2): id, event (`tag: u8 | fields`).
//!
//! Journals written before the binary layout hold one JSON object per record (the first byte is `{`); [`decode`]
//! reads both, so an old journal replays unchanged and new records simply follow it.

use serde::{Deserialize, Serialize};

use crate::error::RecordError;
use crate::money::{Money, Price, Quantity};
use crate::order::{
    ClientOrderId, Fee, Fill, OrderEvent, OrderIntent, OrderKind, SIDE_NAMES, Side, Symbol,
    TIME_IN_FORCE_NAMES, TimeInForce, TrailingOffset,
};

/// First byte of a binary record (a JSON record starts with `{`).
pub const FORMAT_V1: u8 = 1;

const INTENT: u8 = 1;
const EVENT: u8 = 2;

/// One journal record. The intent is written (and synced) before the venue sees it; venue events after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum JournalRecord {
    /// A new order (or a replacement of `replaces`) about to be sent.
    Intent {
        /// The order's full content.
        intent: OrderIntent,
        /// The order it replaces, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<ClientOrderId>,
    },
    /// Something the venue reported about an order.
    Event {
        /// The order.
        client_order_id: ClientOrderId,
        /// What happened.
        event: OrderEvent,
    },
}

/// A record about to be written, borrowing its parts (no copy of the intent or event per record).
#[derive(Clone, Copy, Debug)]
pub enum RecordRef<'a> {
    /// See [`JournalRecord::Intent`].
    Intent {
        /// The order's full content.
        intent: &'a OrderIntent,
        /// The order it replaces, if any.
        replaces: Option<&'a ClientOrderId>,
    },
    /// See [`JournalRecord::Event`].
    Event {
        /// The order.
        client_order_id: &'a ClientOrderId,
        /// What happened.
        event: &'a OrderEvent,
    },
}

impl JournalRecord {
    /// This record as a borrowed [`RecordRef`].
    pub fn as_ref(&self) -> RecordRef<'_> {
        match self {
            Self::Intent { intent, replaces } => RecordRef::Intent {
                intent,
                replaces: replaces.as_ref(),
            },
            Self::Event {
                client_order_id,
                event,
            } => RecordRef::Event {
                client_order_id,
                event,
            },
        }
    }

    /// Appends the binary payload of this record to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.as_ref().encode(out);
    }
}

impl RecordRef<'_> {
    /// Appends the binary payload of this record to `out`.
    pub fn encode(self, out: &mut Vec<u8>) {
        out.push(FORMAT_V1);
        match self {
            Self::Intent { intent, replaces } => {
                out.push(INTENT);
                put_text(out, intent.client_order_id.as_str());
                put_text(out, intent.symbol.as_str());
                out.push(side_code(intent.side));
                put_raw(out, intent.quantity.raw());
                put_kind(out, &intent.kind);
                out.push(tif_code(intent.time_in_force));
                put_optional_text(out, intent.strategy.as_deref());
                put_optional_text(out, replaces.map(ClientOrderId::as_str));
            }
            Self::Event {
                client_order_id,
                event,
            } => {
                out.push(EVENT);
                put_text(out, client_order_id.as_str());
                put_event(out, event);
            }
        }
    }
}

/// Reads one record payload, binary or (from an older journal) JSON.
pub fn decode(payload: &[u8]) -> Result<JournalRecord, RecordError> {
    match payload.first() {
        Some(&FORMAT_V1) => {
            let mut reader = Reader { payload, at: 1 };
            let record = reader.record()?;
            if reader.at != payload.len() {
                return Err(RecordError::TrailingBytes {
                    extra: payload.len() - reader.at,
                });
            }
            Ok(record)
        }
        Some(b'{') => serde_json::from_slice(payload).map_err(|e| RecordError::Json(e.to_string())),
        Some(&other) => Err(RecordError::UnknownFormat(other)),
        None => Err(RecordError::Truncated {
            at: 0,
            field: "format",
        }),
    }
}

// Sides and times in force are stored as their place in order.rs's wire-name tables.
fn side_code(side: Side) -> u8 {
    SIDE_NAMES
        .iter()
        .position(|(s, _)| *s == side)
        .expect("listed") as u8
}

fn tif_code(tif: TimeInForce) -> u8 {
    TIME_IN_FORCE_NAMES
        .iter()
        .position(|(t, _)| *t == tif)
        .expect("listed") as u8
}

fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u128);
    out.extend_from_slice(text.as_bytes());
}

fn put_optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => {
            out.push(1);
            put_text(out, text);
        }
        None => out.push(0),
    }
}

fn put_raw(out: &mut Vec<u8>, raw: i128) {
    // Zigzag: small magnitudes of either sign become small unsigned numbers.
    put_varint(out, ((raw << 1) ^ (raw >> 127)) as u128);
}

fn put_kind(out: &mut Vec<u8>, kind: &OrderKind) {
    match *kind {
        OrderKind::Market => out.push(0),
        OrderKind::Limit { limit } => {
            out.push(1);
            put_raw(out, limit.raw());
        }
        OrderKind::Stop { stop } => {
            out.push(2);
            put_raw(out, stop.raw());
        }
        OrderKind::StopLimit { stop, limit } => {
            out.push(3);
            put_raw(out, stop.raw());
            put_raw(out, limit.raw());
        }
        OrderKind::TrailingStop {
            trail: TrailingOffset::Price(price),
        } => {
            out.push(4);
            put_raw(out, price.raw());
        }
        OrderKind::TrailingStop {
            trail: TrailingOffset::Percent(percent),
        } => {
            out.push(5);
            put_raw(out, percent.raw());
        }
    }
}

fn put_event(out: &mut Vec<u8>, event: &OrderEvent) {
    match event {
        OrderEvent::Accepted { venue_order_id } => {
            out.push(0);
            put_text(out, venue_order_id);
        }
        OrderEvent::Rejected { reason } => {
            out.push(1);
            put_text(out, reason);
        }
        OrderEvent::Filled(fill) => {
            out.push(2);
            put_text(out, &fill.fill_id);
            put_raw(out, fill.quantity.raw());
            put_raw(out, fill.price.raw());
            match fill.fee {
                Fee::Quote(money) => {
                    out.push(0);
                    put_raw(out, money.raw());
                }
                Fee::Base(quantity) => {
                    out.push(1);
                    put_raw(out, quantity.raw());
                }
            }
            out.extend_from_slice(&fill.timestamp_ns.to_le_bytes());
        }
        OrderEvent::Canceled => out.push(3),
        OrderEvent::Expired => out.push(4),
        OrderEvent::Replaced { by } => {
            out.push(5);
            put_text(out, by.as_str());
        }
    }
}

/// A cursor over one binary payload; every read names the field it was after.
struct Reader<'a> {
    payload: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RecordError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.payload.len());
        let Some(end) = end else {
            return Err(RecordError::Truncated { at: self.at, field });
        };
        let bytes = &self.payload[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn byte(&mut self, field: &'static str) -> Result<u8, RecordError> {
        Ok(self.bytes(1, field)?[0])
    }

    fn tag(&mut self, field: &'static str, count: usize) -> Result<u8, RecordError> {
        let at = self.at;
        let tag = self.byte(field)?;
        if usize::from(tag) >= count {
            return Err(RecordError::UnknownTag { field, tag, at });
        }
        Ok(tag)
    }

    fn varint(&mut self, field: &'static str) -> Result<u128, RecordError> {
        let start = self.at;
        let mut value: u128 = 0;
        let mut shift = 0;
        loop {
            let byte = self.byte(field)?;
            let bits = u128::from(byte & 0x7f);
            if shift == 126 && bits > 0b11 {
                return Err(RecordError::Invalid {
                    field,
                    why: format!("varint at byte {start} overflows 128 bits"),
                });
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
            if shift > 126 {
                return Err(RecordError::Invalid {
                    field,
                    why: format!("varint at byte {start} is longer than 19 bytes"),
                });
            }
        }
    }

    fn raw(&mut self, field: &'static str) -> Result<i128, RecordError> {
        let zigzag = self.varint(field)?;
        Ok(((zigzag >> 1) as i128) ^ -((zigzag & 1) as i128))
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, RecordError> {
        let bytes = self.bytes(8, field)?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }

    fn text(&mut self, field: &'static str) -> Result<&'a str, RecordError> {
        let len = usize::try_from(self.varint(field)?).unwrap_or(usize::MAX);
        let at = self.at;
        std::str::from_utf8(self.bytes(len, field)?)
            .map_err(|_| RecordError::InvalidText { field, at })
    }

    fn optional_text(&mut self, field: &'static str) -> Result<Option<&'a str>, RecordError> {
        match self.tag(field, 2)? {
            0 => Ok(None),
            _ => self.text(field).map(Some),
        }
    }

    fn id(&mut self, field: &'static str) -> Result<ClientOrderId, RecordError> {
        ClientOrderId::new(self.text(field)?).map_err(|e| RecordError::Invalid {
            field,
            why: e.to_string(),
        })
    }

    fn record(&mut self) -> Result<JournalRecord, RecordError> {
        match self.tag("record", 3)? {
            INTENT => {
                let client_order_id = self.id("client_order_id")?;
                let symbol =
                    Symbol::new(self.text("symbol")?).map_err(|e| RecordError::Invalid {
                        field: "symbol",
                        why: e.to_string(),
                    })?;
                let side = SIDE_NAMES[usize::from(self.tag("side", SIDE_NAMES.len())?)].0;
                let quantity = Quantity::from_raw(self.raw("quantity")?);
                let kind = self.kind()?;
                let tag = self.tag("time_in_force", TIME_IN_FORCE_NAMES.len())?;
                let time_in_force = TIME_IN_FORCE_NAMES[usize::from(tag)].0;
                let strategy = self.optional_text("strategy")?.map(str::to_owned);
                let replaces = match self.optional_text("replaces")? {
                    Some(text) => {
                        Some(ClientOrderId::new(text).map_err(|e| RecordError::Invalid {
                            field: "replaces",
                            why: e.to_string(),
                        })?)
                    }
                    None => None,
                };
                Ok(JournalRecord::Intent {
                    intent: OrderIntent {
                        client_order_id,
                        symbol,
                        side,
                        quantity,
                        kind,
                        time_in_force,
                        strategy,
                    },
                    replaces,
                })
            }
            EVENT => Ok(JournalRecord::Event {
                client_order_id: self.id("client_order_id")?,
                event: self.event()?,
            }),
            tag => Err(RecordError::UnknownTag {
                field: "record",
                tag,
                at: self.at - 1,
            }),
        }
    }

    fn price(&mut self, field: &'static str) -> Result<Price, RecordError> {
        self.raw(field).map(Price::from_raw)
    }

    fn kind(&mut self) -> Result<OrderKind, RecordError> {
        Ok(match self.tag("order_type", 6)? {
            0 => OrderKind::Market,
            1 => OrderKind::Limit {
                limit: self.price("limit_price")?,
            },
            2 => OrderKind::Stop {
                stop: self.price("stop_price")?,
            },
            3 => OrderKind::StopLimit {
                stop: self.price("stop_price")?,
                limit: self.price("limit_price")?,
            },
            4 => OrderKind::TrailingStop {
                trail: TrailingOffset::Price(self.price("trail_price")?),
            },
            _ => OrderKind::TrailingStop {
                trail: TrailingOffset::Percent(self.price("trail_percent")?),
            },
        })
    }

    fn event(&mut self) -> Result<OrderEvent, RecordError> {
        Ok(match self.tag("event", 6)? {
            0 => OrderEvent::Accepted {
                venue_order_id: self.text("venue_order_id")?.to_owned(),
            },
            1 => OrderEvent::Rejected {
                reason: self.text("reason")?.to_owned(),
            },
            2 => {
                let fill_id = self.text("fill_id")?.to_owned();
                let quantity = Quantity::from_raw(self.raw("fill quantity")?);
                let price = self.price("fill price")?;
                let fee = match self.tag("fee currency", 2)? {
                    0 => Fee::Quote(Money::from_raw(self.raw("fee")?)),
                    _ => Fee::Base(Quantity::from_raw(self.raw("fee")?)),
                };
                OrderEvent::Filled(Fill {
                    fill_id,
                    quantity,
                    price,
                    fee,
                    timestamp_ns: self.u64("fill timestamp_ns")?,
                })
            }
            3 => OrderEvent::Canceled,
            4 => OrderEvent::Expired,
            _ => OrderEvent::Replaced {
                by: self.id("replaced_by")?,
            },
        })
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
