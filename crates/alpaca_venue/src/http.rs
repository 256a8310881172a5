//! One request to Alpaca, and its answer mapped to [`VenueError`]: what is final, what is worth retrying.

use std::time::Duration;

use exec_gateway::error::VenueError;
use serde::Deserialize;

use crate::config::AlpacaConfig;

/// An HTTP answer that is not an error (2xx), a 404 the caller may read as "no such order", or the 422 by
/// which Alpaca refuses a client order id it has seen (see [`Answer::is_duplicate_id`]).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body text.
    pub body: String,
}

#[derive(Deserialize)]
struct AlpacaErrorBody {
    #[serde(default)]
    message: String,
}

/// A blocking HTTP client bound to one Alpaca account.
#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
    base_url: String,
    key_id: String,
    secret: crate::config::Secret,
}

/// The request verbs the venue uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST with a JSON body.
    Post,
    /// PATCH with a JSON body.
    Patch,
    /// DELETE.
    Delete,
}

impl Http {
    /// A client with `config`'s base URL, keys and timeout.
    pub fn new(config: &AlpacaConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            agent,
            base_url: config.base_url.clone(),
            key_id: config.key_id.clone(),
            secret: config.secret.clone(),
        }
    }

    /// Sends `method path?query` (with `body` as JSON for POST/PATCH). 2xx and 404 are answers; everything else
    /// is a [`VenueError`] (see [`map_status`]).
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, VenueError> {
        let url = format!("{}{path}", self.base_url);
        let result = match method {
            Method::Get | Method::Delete => {
                let request = if method == Method::Get {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                request
                    .header("APCA-API-KEY-ID", &self.key_id)
                    .header("APCA-API-SECRET-KEY", self.secret.expose())
                    .query_pairs(query.iter().copied())
                    .call()
            }
            Method::Post | Method::Patch => {
                let request = if method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.patch(&url)
                };
                let text = body.map(ToString::to_string).unwrap_or_default();
                request
                    .header("APCA-API-KEY-ID", &self.key_id)
                    .header("APCA-API-SECRET-KEY", self.secret.expose())
                    .header("content-type", "application/json")
                    .query_pairs(query.iter().copied())
                    .send(text.as_bytes())
            }
        };
        let mut response = result.map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // The answer's body is part of the answer: a connection cut while reading it loses the answer.
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(transport_error)?;
        if (200..300).contains(&status) || status == 404 || says_duplicate_id(status, &body) {
            return Ok(Answer { status, body });
        }
        Err(map_status(status, &body, retry_after))
    }
}

/// A failure before an answer arrived: a timeout, or a connection refused, reset or cut mid-answer.
fn transport_error(error: ureq::Error) -> VenueError {
    match error {
        ureq::Error::Timeout(_) => VenueError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => VenueError::Timeout,
        _ => VenueError::Disconnected,
    }
}

/// Alpaca's message from an error body (`{"code": .., "message": ..}`), or the start of the body.
pub fn error_message(body: &str) -> String {
    serde_json::from_str::<AlpacaErrorBody>(body)
        .map(|b| b.message)
        .unwrap_or_else(|_| body.chars().take(200).collect())
}

/// Maps a non-2xx, non-404 status (a duplicate id's 422 is an answer, not an error): 429 rate limited, 5xx
/// server error (both retryable), 401/403 key problems and other 4xx as final rejects. Never echoes a key.
pub fn map_status(status: u16, body: &str, retry_after: Option<Duration>) -> VenueError {
    let message = error_message(body);
    match status {
        429 => VenueError::RateLimited { retry_after },
        500..=599 => VenueError::Server { status },
        401 => VenueError::Rejected {
            reason: format!(
                "HTTP 401 {message}: Alpaca refused the API keys (check venue.key_id and the secret setting)"
            ),
        },
        _ => VenueError::Rejected {
            reason: format!("HTTP {status}: {message}"),
        },
    }
}

/// True when Alpaca's answer refuses a used client order id: a 422 whose message says so (other 422s are
/// validation rejects).
fn says_duplicate_id(status: u16, body: &str) -> bool {
    status == 422 && error_message(body).contains("client_order_id must be unique")
}

impl Answer {
    /// Alpaca refused the order because its client order id is taken.
    pub fn is_duplicate_id(&self) -> bool {
        self.status == 422
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_retryable_or_final_errors() {
        let body = r#"{"code":42910000,"message":"rate limit exceeded"}"#;
        assert_eq!(
            map_status(429, body, Some(Duration::from_secs(3))),
            VenueError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(map_status(503, "", None).is_retryable());
        let duplicate = r#"{"code":40010001,"message":"client_order_id must be unique"}"#;
        assert!(says_duplicate_id(422, duplicate));
        let invalid = r#"{"code":40010001,"message":"qty must be > 0"}"#;
        assert!(!says_duplicate_id(422, invalid));
        assert!(!map_status(422, invalid, None).is_retryable());
        let forbidden = map_status(403, r#"{"message":"insufficient buying power"}"#, None);
        assert_eq!(
            forbidden,
            VenueError::Rejected {
                reason: "HTTP 403: insufficient buying power".into()
            }
        );
        let unauthorized = map_status(401, r#"{"message":"request is not authorized"}"#, None);
        assert!(!unauthorized.is_retryable());
        assert!(unauthorized.to_string().contains("check venue.key_id"));
    }
}
