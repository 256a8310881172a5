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
    /// The trade_updates websocket (`wss://.../stream`); `None` learns every event by polling.
    pub trade_updates_url: Option<String>,
    /// How often open orders are polled in full while the stream is not (or not yet) to be trusted.
    pub poll_interval: Duration,
    /// How often they are polled in full while the stream is listening: a reconciliation, in case an update
    /// was lost without the socket noticing.
    pub reconcile_interval: Duration,
}

impl AlpacaConfig {
    /// A config with a 10 s timeout, Alpaca's tier-1 taker fee (25 bps), no stream and a 1 s poll.
    pub fn new(base_url: &str, key_id: &str, secret: Secret) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            key_id: key_id.trim().to_owned(),
            secret,
            timeout: Duration::from_secs(10),
            crypto_fee_bps: 25,
            trade_updates_url: None,
            poll_interval: Duration::from_secs(1),
            reconcile_interval: Duration::from_secs(30),
        }
    }

    /// The trade_updates websocket beside a Trading API base URL: the same host, `ws(s)://` and `/stream`
    /// (`https://paper-api.alpaca.markets` -> `wss://paper-api.alpaca.markets/stream`).
    pub fn stream_url_for(base_url: &str) -> Option<String> {
        let base = base_url.trim_end_matches('/');
        let (scheme, rest) = if let Some(rest) = base.strip_prefix("https://") {
            ("wss://", rest)
        } else {
            ("ws://", base.strip_prefix("http://")?)
        };
        Some(format!("{scheme}{rest}/stream"))
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

    #[test]
    fn the_stream_sits_beside_the_trading_api() {
        assert_eq!(
            AlpacaConfig::stream_url_for("https://paper-api.alpaca.markets/").as_deref(),
            Some("wss://paper-api.alpaca.markets/stream")
        );
        assert_eq!(
            AlpacaConfig::stream_url_for("http://127.0.0.1:8123").as_deref(),
            Some("ws://127.0.0.1:8123/stream")
        );
        assert_eq!(AlpacaConfig::stream_url_for("ftp://x"), None);
    }
}
