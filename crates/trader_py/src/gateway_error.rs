//! Maps the order gateway's errors to the exception classes of `trader.execution.errors`, in one place.

use exec_gateway::error::GatewayError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

/// `trader.execution.errors`, imported on first use.
static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Raises `trader.execution.errors.<class>(message, reason_code)`; a plain `ValueError`/`RuntimeError` if the
/// Python package is not importable (the extension used on its own).
fn raise(py: Python<'_>, class: &str, message: String, reason_code: Option<&str>) -> PyErr {
    let module = ERRORS.get_or_try_init(py, || {
        PyModule::import(py, "trader.execution.errors").map(Bound::unbind)
    });
    match module.and_then(|m| m.bind(py).getattr(class)) {
        Ok(cls) => match cls.call1((message.clone(), reason_code)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(err) => err,
        },
        Err(_) if class == "InvalidOrderError" => PyValueError::new_err(message),
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// Bad input to a gateway call that the Rust core never saw (an unparsable decimal, an unknown enum name).
pub(crate) fn invalid_input(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidOrderError", message, None)
}

/// A gateway failure as the exception class that says what kind of failure it is; limit rejections carry their
/// machine-readable reason code.
pub(crate) fn gateway_error(py: Python<'_>, err: GatewayError) -> PyErr {
    let message = err.to_string();
    let class = match &err {
        GatewayError::InvalidOrder(_) | GatewayError::Instrument(_) | GatewayError::Money(_) => {
            "InvalidOrderError"
        }
        GatewayError::Limit(rejection) => {
            return raise(
                py,
                "LimitRejectedError",
                message,
                Some(rejection.code.as_str()),
            );
        }
        GatewayError::AlreadyExists(_) => "AlreadyExistsError",
        GatewayError::NotFound(_) => "OrderNotFoundError",
        GatewayError::NotOpen { .. } => "OrderNotOpenError",
        GatewayError::VenueRejected { .. } => "VenueRejectedError",
        GatewayError::VenueUnavailable { .. } | GatewayError::VenueQuery { .. } => {
            "VenueUnavailableError"
        }
        GatewayError::BreakerOpen { .. } => "BreakerOpenError",
        GatewayError::RateLimited { .. } => "RateLimitedError",
        GatewayError::Halted(_) | GatewayError::Transition(_) => "GatewayHaltedError",
        GatewayError::Journal(_) | GatewayError::Replay { .. } => "GatewayJournalError",
    };
    raise(py, class, message, None)
}
