//! The one error type of the indicator kernels: bad parameters and mismatched inputs.

/// Why an indicator refused its parameters or inputs; every variant names the indicator and the parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndicatorError {
    /// An integer parameter (a period or count) is below its minimum.
    #[error("{indicator}: parameter `{name}` must be >= {min}, got {value}")]
    TooSmall {
        /// Indicator name, e.g. `SMA`.
        indicator: &'static str,
        /// Parameter name, e.g. `period`.
        name: &'static str,
        /// The value given.
        value: i64,
        /// The smallest accepted value.
        min: i64,
    },
    /// An integer parameter (a window or count) is above its maximum.
    #[error("{indicator}: parameter `{name}` must be <= {max}, got {value}")]
    TooLarge {
        /// Indicator name, e.g. `VOLUME_PROFILE`.
        indicator: &'static str,
        /// Parameter name, e.g. `window`.
        name: &'static str,
        /// The value given.
        value: i64,
        /// The largest accepted value.
        max: i64,
    },
    /// A batch input holds more bars than the indicator takes in one call.
    #[error("{indicator}: input `{name}` has {len} bars, more than the {max} one call takes")]
    TooLong {
        /// Indicator name.
        indicator: &'static str,
        /// The input array.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The most bars accepted.
        max: usize,
    },
    /// MACD's fast period is not strictly below its slow period.
    #[error("{indicator}: parameter `fast` ({fast}) must be less than `slow` ({slow})")]
    FastNotBelowSlow {
        /// Indicator name.
        indicator: &'static str,
        /// The fast period given.
        fast: i64,
        /// The slow period given.
        slow: i64,
    },
    /// A float parameter is NaN, infinite or outside its range.
    #[error("{indicator}: parameter `{name}` {requirement}, got {value}")]
    BadFloat {
        /// Indicator name.
        indicator: &'static str,
        /// Parameter name, e.g. `nbdev_up`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What the value must be, e.g. `must be finite`.
        requirement: &'static str,
    },
    /// Two inputs (or an input and an output) of one call have different lengths.
    #[error(
        "{indicator}: `{name}` has length {got}, expected {expected} (the length of `{reference}`)"
    )]
    LengthMismatch {
        /// Indicator name.
        indicator: &'static str,
        /// The array whose length is wrong.
        name: &'static str,
        /// Its length.
        got: usize,
        /// The array it must match.
        reference: &'static str,
        /// The length of `reference`.
        expected: usize,
    },
    /// A batch call got an empty input.
    #[error("{indicator}: input `{name}` is empty")]
    EmptyInput {
        /// Indicator name.
        indicator: &'static str,
        /// The empty array.
        name: &'static str,
    },
}

impl IndicatorError {
    /// The parameter or array the error is about, for callers that report it as a field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooSmall { name, .. }
            | Self::TooLarge { name, .. }
            | Self::TooLong { name, .. }
            | Self::BadFloat { name, .. }
            | Self::LengthMismatch { name, .. }
            | Self::EmptyInput { name, .. } => name,
            Self::FastNotBelowSlow { .. } => "fast",
        }
    }
}

/// Checks an integer parameter against its minimum and returns it as a `usize`.
pub(crate) fn check_min(
    indicator: &'static str,
    name: &'static str,
    value: i64,
    min: i64,
) -> Result<usize, IndicatorError> {
    if value < min {
        return Err(IndicatorError::TooSmall {
            indicator,
            name,
            value,
            min,
        });
    }
    usize::try_from(value).map_err(|_| IndicatorError::TooSmall {
        indicator,
        name,
        value,
        min,
    })
}

/// Checks an integer parameter against its maximum.
pub(crate) fn check_max(
    indicator: &'static str,
    name: &'static str,
    value: i64,
    max: i64,
) -> Result<(), IndicatorError> {
    if value > max {
        return Err(IndicatorError::TooLarge {
            indicator,
            name,
            value,
            max,
        });
    }
    Ok(())
}

/// Checks that a batch input holds at most `max` bars.
pub(crate) fn check_len_max(
    indicator: &'static str,
    name: &'static str,
    len: usize,
    max: usize,
) -> Result<(), IndicatorError> {
    if len > max {
        return Err(IndicatorError::TooLong {
            indicator,
            name,
            len,
            max,
        });
    }
    Ok(())
}

/// Checks that a float parameter is finite and not negative.
pub(crate) fn check_non_negative(
    indicator: &'static str,
    name: &'static str,
    value: f64,
) -> Result<f64, IndicatorError> {
    if !value.is_finite() || value < 0.0 {
        return Err(IndicatorError::BadFloat {
            indicator,
            name,
            value,
            requirement: "must be finite and >= 0",
        });
    }
    Ok(value)
}

/// Checks that every named input has the length of the first, and that the first is not empty.
pub(crate) fn check_inputs(
    indicator: &'static str,
    inputs: &[(&'static str, usize)],
) -> Result<usize, IndicatorError> {
    let (reference, expected) = inputs[0];
    if expected == 0 {
        return Err(IndicatorError::EmptyInput {
            indicator,
            name: reference,
        });
    }
    for &(name, got) in &inputs[1..] {
        if got != expected {
            return Err(IndicatorError::LengthMismatch {
                indicator,
                name,
                got,
                reference,
                expected,
            });
        }
    }
    Ok(expected)
}
