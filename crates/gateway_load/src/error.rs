//! What can go wrong in a load run, each with what and where.

/// A load run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The command line is malformed (a missing or unknown argument).
    #[error("{0}")]
    Usage(String),
    /// A flag has a value it cannot take.
    #[error("{flag} `{value}`: {why}")]
    BadValue {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What was expected.
        why: String,
    },
    /// `$TRADER_GATEWAY_TOKEN` is not set.
    #[error("the bearer token is missing: set $TRADER_GATEWAY_TOKEN")]
    MissingToken,
    /// The token cannot be sent as an HTTP header value.
    #[error("$TRADER_GATEWAY_TOKEN is not a valid header value (printable ASCII only)")]
    BadToken,
    /// Connecting to the gateway failed.
    #[error("cannot connect to the gateway at {target}: {why}")]
    Connect {
        /// `host:port`.
        target: String,
        /// The transport's error.
        why: String,
    },
    /// The client's async runtime or pacer thread could not start.
    #[error("cannot start the client runtime: {0}")]
    Runtime(std::io::Error),
}
