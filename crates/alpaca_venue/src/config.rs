//! Where Alpaca is, the keys, the timeout and the crypto fee schedule of an [`crate::AlpacaVenue`].

use std::fmt;
use std::time::Duration;

/// A secret (the API secret key): compared and sent, never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value` (surrounding whitespace, e.g. a file's trailing newline, is dropped).
    pub fn new(value: &str) -> Self {
        Self(value.trim().to_owned())
    }

    /// The secret itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to reach Alpaca.
#[derive(Clone, Debug)]
pub struct AlpacaConfig {
    /// Trading API base URL without `/v2` (e.g. `https://paper-api.alpaca.markets`).
    pub base_url: String,
    /// `APCA-API-KEY-ID`.
    pub key_id: String,
    /// `APCA-API-SECRET-KEY`.
    pub secret: Secret,
    /// Whole-request timeout; a request without an answer in time is [`exec_gateway::error::VenueError::Timeout`].
    pub timeout: Duration,
    /// Alpaca's crypto fee in basis points, taken from what a fill credits (coins on a buy, dollars on a sell).
    /// Alpaca's fill reports carry no fee, so the venue charges this schedule itself to keep positions exact.
    pub crypto_fee_bps: u32,
}

impl AlpacaConfig {
    /// A config with a 10 s timeout and Alpaca's tier-1 taker fee (25 bps).
    pub fn new(base_url: &str, key_id: &str, secret: Secret) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            key_id: key_id.trim().to_owned(),
            secret,
            timeout: Duration::from_secs(10),
            crypto_fee_bps: 25,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_never_prints() {
        let config = AlpacaConfig::new("http://x/", "KEY", Secret::new("hunter2-secret\n"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(config.secret.expose(), "hunter2-secret");
        assert_eq!(config.base_url, "http://x");
    }
}
