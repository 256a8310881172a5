//! Maps the Rust crates' errors to Python exceptions, in one place.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// `trader.indicators.errors.IndicatorError` (a `TraderError` and a `ValueError`), imported on first use.
static INDICATOR_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// An indicator error as the package's `IndicatorError(message, field)`; a plain `ValueError` if the
/// Python package is not importable (the extension used on its own).
pub(crate) fn indicator_error(py: Python<'_>, err: &indicators::IndicatorError) -> PyErr {
    invalid_input(py, err.to_string(), err.field())
}

/// A user mistake in an indicator call that the Rust core does not see (array layout, dtype).
pub(crate) fn invalid_input(py: Python<'_>, message: String, field: &'static str) -> PyErr {
    match INDICATOR_ERROR.import(py, "trader.indicators.errors", "IndicatorError") {
        Ok(cls) => PyErr::from_type(cls.clone(), (message, field)),
        Err(_) => PyValueError::new_err(message),
    }
}
