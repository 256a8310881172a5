//! One error type for both front ends: a gRPC code, a machine-readable reason code and a message for people.

use exec_gateway::error::GatewayError;
use tonic::{Code, Status};

use crate::convert::WireError;

/// Metadata key (gRPC) and JSON field (REST) carrying the reason code.
pub const REASON_KEY: &str = "reason-code";

/// A refused request. The message starts with the reason code, e.g. `KILL_SWITCH: order o-1: kill switch is on`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The gRPC status code.
    pub code: Code,
    /// The machine-readable reason, e.g. `KILL_SWITCH`, `ALREADY_EXISTS`, `INVALID_ARGUMENT`.
    pub reason: String,
    /// `REASON: what happened`.
    pub message: String,
}

impl ApiError {
    /// An error with `reason` prefixed to `detail`.
    pub fn new(code: Code, reason: &str, detail: impl std::fmt::Display) -> Self {
        Self {
            code,
            reason: reason.to_owned(),
            message: format!("{reason}: {detail}"),
        }
    }

    /// The gateway worker has stopped (shutting down).
    pub fn stopped() -> Self {
        Self::new(
            Code::Unavailable,
            "SHUTTING_DOWN",
            "the gateway is shutting down",
        )
    }

    /// The gRPC status, with the reason code also in the `reason-code` metadata.
    pub fn to_status(&self) -> Status {
        let mut status = Status::new(self.code, self.message.clone());
        if let Ok(value) = self.reason.parse() {
            status.metadata_mut().insert(REASON_KEY, value);
        }
        status
    }

    /// The HTTP status the REST front end answers with.
    pub fn http_status(&self) -> u16 {
        match self.code {
            Code::InvalidArgument | Code::FailedPrecondition => 400,
            Code::Unauthenticated => 401,
            Code::NotFound => 404,
            Code::AlreadyExists => 409,
            Code::ResourceExhausted => 429,
            Code::Unavailable => 503,
            _ => 500,
        }
    }
}

impl From<WireError> for ApiError {
    fn from(error: WireError) -> Self {
        Self::new(Code::InvalidArgument, "INVALID_ARGUMENT", error)
    }
}

impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> Self {
        use GatewayError as E;
        let (code, reason) = match &error {
            E::InvalidOrder(_) | E::Instrument(_) | E::Money(_) => {
                (Code::InvalidArgument, "INVALID_ARGUMENT")
            }
            E::Limit(rejection) => {
                return Self::new(
                    Code::FailedPrecondition,
                    rejection.code.as_str(),
                    &rejection.message,
                );
            }
            E::AlreadyExists(_) => (Code::AlreadyExists, "ALREADY_EXISTS"),
            E::NotFound(_) => (Code::NotFound, "NOT_FOUND"),
            E::NotOpen { .. } => (Code::FailedPrecondition, "NOT_OPEN"),
            E::VenueRejected { .. } => (Code::FailedPrecondition, "VENUE_REJECTED"),
            E::Halted(_) => (Code::FailedPrecondition, "HALTED"),
            E::VenueUnavailable { .. } | E::VenueQuery { .. } => {
                (Code::Unavailable, "VENUE_UNAVAILABLE")
            }
            E::BreakerOpen { .. } => (Code::Unavailable, "BREAKER_OPEN"),
            E::RateLimited { .. } => (Code::ResourceExhausted, "RATE_LIMITED"),
            E::Transition(_) | E::Journal(_) | E::Replay { .. } => (Code::Internal, "INTERNAL"),
        };
        Self::new(code, reason, error)
    }
}
