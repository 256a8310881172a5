//! Validated identifiers: the client order id (the idempotency key) and the instrument symbol.
//!
//! Both are shared immutable text (`Arc<str>`): the gateway, the venue, the journal and every event hold the same
//! id, so a copy is a reference-count increment rather than a new allocation per order and event.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::OrderError;

/// The idempotency key of an order, end to end (strategy -> gateway -> venue). 1..=128 printable ASCII chars.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientOrderId(Arc<str>);

impl ClientOrderId {
    /// Alpaca's limit on client order id length.
    pub const MAX_LEN: usize = 128;

    /// Validates `value` as a client order id.
    pub fn new(value: impl AsRef<str>) -> Result<Self, OrderError> {
        let value = value.as_ref();
        let why = if value.is_empty() {
            Some("must not be empty")
        } else if value.len() > Self::MAX_LEN {
            Some("longer than 128 characters")
        } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
            Some("only printable ASCII without spaces is allowed")
        } else {
            None
        };
        match why {
            Some(why) => Err(OrderError::InvalidClientOrderId {
                value: value.to_owned(),
                why,
            }),
            None => Ok(Self(Arc::from(value))),
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientOrderId {
    type Error = OrderError;
    fn try_from(value: String) -> Result<Self, OrderError> {
        Self::new(value)
    }
}

impl From<ClientOrderId> for String {
    fn from(id: ClientOrderId) -> String {
        id.0.as_ref().to_owned()
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An instrument symbol: `AAPL`, `BRK.B`, `BTC/USD`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(Arc<str>);

impl Symbol {
    /// Validates `value` as a symbol (upper-case letters, digits, `.`, `/`, `-`; at most 32 characters).
    pub fn new(value: impl AsRef<str>) -> Result<Self, OrderError> {
        let value = value.as_ref();
        let valid_char =
            |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'.' | b'/' | b'-');
        let why = if value.is_empty() {
            Some("must not be empty")
        } else if value.len() > 32 {
            Some("longer than 32 characters")
        } else if !value.bytes().all(valid_char) {
            Some("only A-Z, 0-9, '.', '/' and '-' are allowed")
        } else {
            None
        };
        match why {
            Some(why) => Err(OrderError::InvalidSymbol {
                value: value.to_owned(),
                why,
            }),
            None => Ok(Self(Arc::from(value))),
        }
    }

    /// The symbol as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Symbol {
    type Error = OrderError;
    fn try_from(value: String) -> Result<Self, OrderError> {
        Self::new(value)
    }
}

impl From<Symbol> for String {
    fn from(symbol: Symbol) -> String {
        symbol.0.as_ref().to_owned()
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
