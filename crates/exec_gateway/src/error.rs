//! The error types of the gateway, one enum per boundary, each message saying what failed and where.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::money::{Price, Quantity};
use crate::order::{ClientOrderId, OrderStatus};

/// Fixed-point parsing and arithmetic.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// The text is not a plain decimal number such as `-12.345`.
    #[error("cannot parse {text:?} as a decimal number: {why}")]
    Parse {
        /// The text that was given.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The text has more than 9 significant decimal places, so it cannot be held exactly.
    #[error("{text:?} has more than 9 decimal places and cannot be held exactly")]
    TooPrecise {
        /// The text that was given.
        text: String,
    },
    /// An arithmetic result does not fit in the fixed-point range.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation that overflowed.
        op: &'static str,
    },
    /// A division (or rounding to an increment) by zero.
    #[error("division by zero in {op}")]
    DivisionByZero {
        /// The operation that divided.
        op: &'static str,
    },
}

/// A malformed order intent or identifier (checked before anything is journaled or sent).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OrderError {
    /// A client order id is empty, too long or has characters outside printable ASCII.
    #[error("invalid client_order_id {value:?}: {why}")]
    InvalidClientOrderId {
        /// The id that was given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A symbol is empty, too long or has characters other than `A-Z 0-9 . / -`.
    #[error("invalid symbol {value:?}: {why}")]
    InvalidSymbol {
        /// The symbol that was given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A field of an order intent has a value that can never be valid.
    #[error("order {client_order_id}: field `{field}` = {value}: {why}")]
    InvalidField {
        /// The order the field belongs to.
        client_order_id: ClientOrderId,
        /// The field name.
        field: &'static str,
        /// The value that was given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// An event that the order state machine refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The event is not allowed in the order's current status.
    #[error("order {client_order_id}: illegal transition: `{event}` while {from}")]
    Illegal {
        /// The order.
        client_order_id: ClientOrderId,
        /// Its status when the event arrived.
        from: OrderStatus,
        /// The event's name.
        event: &'static str,
    },
    /// A fill would take the filled quantity above the order quantity.
    #[error(
        "order {client_order_id}: fill of {fill} would exceed the order quantity {quantity} (filled {filled})"
    )]
    Overfill {
        /// The order.
        client_order_id: ClientOrderId,
        /// Already filled.
        filled: Quantity,
        /// The refused fill.
        fill: Quantity,
        /// The order quantity.
        quantity: Quantity,
    },
    /// A fill with this id was already applied.
    #[error("order {client_order_id}: fill {fill_id} was already applied")]
    DuplicateFill {
        /// The order.
        client_order_id: ClientOrderId,
        /// The repeated fill id.
        fill_id: String,
    },
    /// A fill with a non-positive quantity or price.
    #[error(
        "order {client_order_id}: fill {fill_id} has quantity {quantity} at price {price}; both must be positive"
    )]
    InvalidFill {
        /// The order.
        client_order_id: ClientOrderId,
        /// The fill id.
        fill_id: String,
        /// Its quantity.
        quantity: Quantity,
        /// Its price.
        price: Price,
    },
    /// Fill arithmetic overflowed.
    #[error("order {client_order_id}: {source}")]
    Arithmetic {
        /// The order.
        client_order_id: ClientOrderId,
        /// The arithmetic failure.
        source: MoneyError,
    },
}

/// An order that does not fit its instrument's increments and minimums.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InstrumentError {
    /// The instrument spec itself is invalid (non-positive tick or lot, negative minimum).
    #[error("instrument {symbol}: field `{field}` = {value}: {why}")]
    InvalidSpec {
        /// The instrument.
        symbol: String,
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A price that is not a multiple of the tick size.
    #[error("{symbol}: {field} {price} is not a multiple of the tick size {tick}")]
    OffTick {
        /// The instrument.
        symbol: String,
        /// Which price field.
        field: &'static str,
        /// The price.
        price: Price,
        /// The tick size.
        tick: Price,
    },
    /// A quantity that is not a multiple of the lot size (or fractional where that is not allowed).
    #[error("{symbol}: quantity {quantity} is not a multiple of the lot size {lot}")]
    OffLot {
        /// The instrument.
        symbol: String,
        /// The quantity.
        quantity: Quantity,
        /// The lot size.
        lot: Quantity,
    },
    /// The venue does not take this time in force for this instrument or quantity.
    #[error("{symbol}: time in force {time_in_force} not accepted: {why}")]
    UnsupportedTimeInForce {
        /// The instrument.
        symbol: String,
        /// The refused time in force.
        time_in_force: crate::order::TimeInForce,
        /// The rule.
        why: &'static str,
    },
    /// A quantity below the instrument minimum.
    #[error("{symbol}: quantity {quantity} is below the minimum {minimum}")]
    BelowMinQuantity {
        /// The instrument.
        symbol: String,
        /// The quantity.
        quantity: Quantity,
        /// The minimum.
        minimum: Quantity,
    },
    /// A notional below the instrument minimum.
    #[error("{symbol}: notional {notional} is below the minimum {minimum}")]
    BelowMinNotional {
        /// The instrument.
        symbol: String,
        /// The order notional.
        notional: crate::money::Money,
        /// The minimum.
        minimum: crate::money::Money,
    },
    /// Rounding arithmetic failed.
    #[error("{symbol}: {source}")]
    Arithmetic {
        /// The instrument.
        symbol: String,
        /// The arithmetic failure.
        source: MoneyError,
    },
}

/// The append-only journal file.
#[derive(Debug, Error)]
pub enum JournalError {
    /// Opening, reading, writing, syncing or truncating the file failed.
    #[error("journal {path}: {action}: {source}")]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Another open journal (in this or another process) holds the file's lock.
    #[error("journal {path}: already open elsewhere (locked); one gateway per journal")]
    Locked {
        /// The journal file.
        path: PathBuf,
    },
    /// A record before the end of the file is damaged: this is not a torn tail, so nothing is dropped.
    #[error("journal {path}: corrupt record at byte offset {offset}: {why}")]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// Byte offset of the damaged record's header.
        offset: u64,
        /// What is wrong.
        why: String,
    },
    /// A record payload is empty or larger than the format allows.
    #[error("journal {path}: a record of {len} bytes is outside the allowed 1..={max} bytes")]
    InvalidRecordLength {
        /// The journal file.
        path: PathBuf,
        /// The payload length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Bad input to the simulator.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SimError {
    /// A bar whose prices do not make sense.
    #[error("invalid bar: {0}")]
    InvalidBar(String),
    /// Fill or fee arithmetic overflowed.
    #[error("simulator arithmetic: {0}")]
    Money(#[from] MoneyError),
}

/// A failure reported by (or on the way to) a venue.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VenueError {
    /// The venue refused the request for good; retrying will not help.
    #[error("venue rejected: {reason}")]
    Rejected {
        /// The venue's reason.
        reason: String,
    },
    /// The venue already has an order with this client order id (it never creates a second one).
    #[error("venue already has an order with client_order_id {0}")]
    DuplicateClientOrderId(ClientOrderId),
    /// The venue has no order with this client order id.
    #[error("venue has no order with client_order_id {0}")]
    UnknownOrder(ClientOrderId),
    /// No answer in time: the request may or may not have been processed.
    #[error("venue request timed out")]
    Timeout,
    /// The connection dropped: the request may or may not have been processed.
    #[error("venue connection dropped")]
    Disconnected,
    /// HTTP 429: too many requests; `retry_after` is the venue's hint.
    #[error("venue rate limit hit (retry after {retry_after:?})")]
    RateLimited {
        /// The venue's Retry-After hint.
        retry_after: Option<Duration>,
    },
    /// An HTTP 5xx from the venue.
    #[error("venue server error {status}")]
    Server {
        /// The HTTP status code.
        status: u16,
    },
}

impl VenueError {
    /// Worth retrying: timeouts, dropped connections, 5xx and 429. Never a reject.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Timeout | Self::Disconnected | Self::RateLimited { .. } | Self::Server { .. }
        )
    }
}

/// A journal record payload that cannot be decoded (see [`crate::record`]).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The payload ends before the field.
    #[error("truncated at byte {at}: no room for `{field}`")]
    Truncated {
        /// Byte offset in the payload.
        at: usize,
        /// The field being read.
        field: &'static str,
    },
    /// A tag byte names no known variant.
    #[error("unknown `{field}` tag {tag} at byte {at}")]
    UnknownTag {
        /// The field being read.
        field: &'static str,
        /// The tag found.
        tag: u8,
        /// Byte offset in the payload.
        at: usize,
    },
    /// A text field is not UTF-8.
    #[error("`{field}` at byte {at} is not UTF-8 text")]
    InvalidText {
        /// The field being read.
        field: &'static str,
        /// Byte offset of the text.
        at: usize,
    },
    /// A field decoded but is not a valid value (an id or symbol that fails validation).
    #[error("`{field}`: {why}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
    /// Bytes left over after a complete record.
    #[error("{extra} bytes after the end of the record")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// The first byte is neither the binary format's nor a JSON object's.
    #[error("unknown record format byte {0:#04x}")]
    UnknownFormat(u8),
    /// A JSON record (from an older journal) that does not parse.
    #[error("JSON record: {0}")]
    Json(String),
}

/// What the gateway tells its callers (the gRPC/REST layer and the embedded Python client map these to codes).
#[derive(Debug, Error)]
pub enum GatewayError {
    /// The intent itself is malformed.
    #[error(transparent)]
    InvalidOrder(#[from] OrderError),
    /// The intent does not fit the instrument's increments or minimums.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// A hard pre-trade limit refused the order.
    #[error("pre-trade limit: {0}")]
    Limit(#[from] crate::limits::LimitRejection),
    /// The client order id is taken by an order with different content (gRPC ALREADY_EXISTS).
    #[error("client_order_id {0} already exists with different content")]
    AlreadyExists(ClientOrderId),
    /// No order with this client order id.
    #[error("no order with client_order_id {0}")]
    NotFound(ClientOrderId),
    /// The order is in a status where the request makes no sense (e.g. cancel a filled order).
    #[error("order {client_order_id} is {status}: cannot {action}")]
    NotOpen {
        /// The order.
        client_order_id: ClientOrderId,
        /// Its status.
        status: OrderStatus,
        /// What was asked.
        action: &'static str,
    },
    /// The venue refused the request for good.
    #[error("order {client_order_id}: venue rejected: {reason}")]
    VenueRejected {
        /// The order.
        client_order_id: ClientOrderId,
        /// The venue's reason.
        reason: String,
    },
    /// The venue could not be reached after all retries; the order stays in flight and is resolved later.
    #[error("order {client_order_id}: venue unavailable after {attempts} attempts: {last}")]
    VenueUnavailable {
        /// The order.
        client_order_id: ClientOrderId,
        /// Attempts made.
        attempts: u32,
        /// The last venue error.
        last: VenueError,
    },
    /// A read-only venue query (positions, account) failed.
    #[error("venue query `{what}` failed: {last}")]
    VenueQuery {
        /// What was asked.
        what: &'static str,
        /// The venue error.
        last: VenueError,
    },
    /// The circuit breaker is open: orders fail fast until the venue is healthy again.
    #[error("venue circuit breaker open; next probe in {retry_in:?}")]
    BreakerOpen {
        /// Time until the breaker lets a probe through.
        retry_in: Duration,
    },
    /// A rate limit is exhausted.
    #[error("rate limit `{limit}` exhausted; retry in {retry_in:?}")]
    RateLimited {
        /// Which limit (venue or strategy).
        limit: String,
        /// When a token will be available.
        retry_in: Duration,
    },
    /// Gateway state and venue state disagree; the gateway takes no new risk until an operator looks.
    #[error("gateway halted: state does not reconcile: {0}")]
    Halted(String),
    /// The state machine refused an event.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Journal failure.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A journal record could not be decoded or replayed.
    #[error("journal {path}: replay of record {index}: {why}")]
    Replay {
        /// The journal file.
        path: PathBuf,
        /// Zero-based index of the record.
        index: usize,
        /// What is wrong.
        why: String,
    },
    /// An arithmetic failure on a money path.
    #[error(transparent)]
    Money(#[from] MoneyError),
}
