//! `trader._core`: the Python face of the Rust crates; every PyO3 item of the project lives here.

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _core {
    /// Version of the Rust core, equal to the Python package version.
    // Python expects the dunder name, which Rust style would upper-case.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}
