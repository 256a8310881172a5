//! Errors of the vectorised simulation: what is wrong and where (the bar index, the field, the value).

use exec_gateway::error::MoneyError;
use thiserror::Error;

/// Why a vectorised run was refused or could not finish.
#[derive(Debug, Error, PartialEq)]
pub enum VectorSimError {
    /// An input array is missing bars or has too many.
    #[error("`{field}` has {got} values but `open` has {expected}")]
    Length {
        /// The input array.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The length of `open`.
        expected: usize,
    },
    /// There are no bars to simulate.
    #[error("no bars to simulate")]
    Empty,
    /// A price is not a positive finite number.
    #[error("bar {index}: field `{field}` = {value}: must be positive and finite")]
    BadPrice {
        /// Bar position (0-based).
        index: usize,
        /// `open` or `close`.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A price needed exactly (a fill's open, a sizing or final close) has more than 9 decimals.
    #[error("bar {index}: field `{field}` = {value}: {source}")]
    Inexact {
        /// Bar position (0-based).
        index: usize,
        /// `open` or `close`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// What the fixed-point parser said.
        source: MoneyError,
    },
    /// A setting is out of range or not supported by the vectorised path.
    #[error("setting `{field}`: {problem}")]
    Setting {
        /// The setting.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Exact arithmetic overflowed (an account or position far beyond any real one).
    #[error("bar {index}: {source}")]
    Money {
        /// Bar position (0-based) where it happened.
        index: usize,
        /// The overflow.
        source: MoneyError,
    },
}
