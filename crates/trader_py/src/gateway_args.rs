//! Order arguments from Python to the embedded gateway: decimals, enum names and order types, checked with errors
//! that name the field and the value.

use exec_gateway::error::MoneyError;
use exec_gateway::money::{Money, Price, Quantity};
use exec_gateway::order::{
    ClientOrderId, OrderIntent, OrderKind, Symbol, TrailingOffset, UnknownName,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

use crate::gateway_error::invalid_input;

/// `decimal.Decimal`, imported on first use.
static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn parse<T: std::str::FromStr<Err = MoneyError>>(
    py: Python<'_>,
    text: &str,
    field: &str,
) -> PyResult<T> {
    text.parse()
        .map_err(|e| invalid_input(py, format!("field `{field}`: {e}")))
}

/// The fixed-point amounts an argument can be read as.
pub(crate) trait Fixed: std::str::FromStr<Err = MoneyError> {
    /// The value of a float at its shortest round-trip text.
    fn from_f64(x: f64) -> Result<Self, MoneyError>;
}

macro_rules! fixed {
    ($($name:ty),*) => {$(
        impl Fixed for $name {
            fn from_f64(x: f64) -> Result<Self, MoneyError> {
                <$name>::from_f64(x)
            }
        }
    )*};
}
fixed!(Price, Quantity, Money);

/// A finite float read at its shortest round-trip text (Rust's `Display` for f64, never an exponent): how bar
/// prices from float columns are taken. Errors name the field.
pub(crate) fn float_decimal<T: Fixed>(py: Python<'_>, float: f64, field: &str) -> PyResult<T> {
    if !float.is_finite() {
        return Err(invalid_input(
            py,
            format!("field `{field}` = {float}: must be a finite number"),
        ));
    }
    T::from_f64(float).map_err(|e| invalid_input(py, format!("field `{field}`: {e}")))
}

/// Reads a decimal argument: text or a `Decimal` (exact), an int, or a float taken at its shortest repr (bar
/// prices come from f64 columns); a bool or any other type is refused. Errors name the field and the value.
pub(crate) fn decimal<T: Fixed>(value: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    let py = value.py();
    if let Ok(text) = value.cast::<PyString>() {
        // Parsed from the string's own UTF-8 buffer: no copy.
        return parse(py, text.to_str()?, field);
    }
    if let Ok(float) = value.cast_exact::<PyFloat>() {
        return float_decimal(py, float.value(), field);
    }
    if value.is_instance_of::<PyBool>() {
        return Err(invalid_input(
            py,
            format!("field `{field}` = {value}: expected a decimal, not a boolean"),
        ));
    }
    if let Ok(int) = value.cast::<PyInt>() {
        return parse(py, &int.extract::<i64>()?.to_string(), field);
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        // A float subclass (e.g. numpy.float64): the same rules as a float.
        return float_decimal(py, float.value(), field);
    }
    let decimal_type = DECIMAL.import(py, "decimal", "Decimal")?;
    if value.is_instance(decimal_type)? {
        // Fixed-point text (no exponent), which the money parser reads exactly; NaN and infinities are refused
        // there with the field's name.
        let text = value.call_method1("__format__", ("f",))?;
        return parse(py, text.cast::<PyString>()?.to_str()?, field);
    }
    Err(invalid_input(
        py,
        format!(
            "field `{field}` = {value}: expected decimal text, a Decimal, an int or a float, got {}",
            value.get_type().name()?
        ),
    ))
}

fn optional<T: Fixed>(value: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<T>> {
    value.map(|v| decimal(v, field)).transpose()
}

/// A wire enum (`Side`, `TimeInForce`) from its name; an unknown name is a user error naming field and value.
fn named<T: std::str::FromStr<Err = UnknownName>>(
    py: Python<'_>,
    field: &str,
    text: &str,
) -> PyResult<T> {
    text.parse()
        .map_err(|e: UnknownName| invalid_input(py, format!("field `{field}` = {text:?}: {e}")))
}

/// The prices an order type may carry, as given from Python.
#[derive(Debug, Default)]
pub(crate) struct PriceArgs<'a, 'py> {
    pub(crate) limit: Option<&'a Bound<'py, PyAny>>,
    pub(crate) stop: Option<&'a Bound<'py, PyAny>>,
    pub(crate) trail: Option<&'a Bound<'py, PyAny>>,
    pub(crate) trail_percent: Option<&'a Bound<'py, PyAny>>,
}

fn kind_of(py: Python<'_>, order_type: &str, prices: &PriceArgs<'_, '_>) -> PyResult<OrderKind> {
    let given = [
        ("limit_price", prices.limit),
        ("stop_price", prices.stop),
        ("trail_price", prices.trail),
        ("trail_percent", prices.trail_percent),
    ];
    let allowed: &[&str] = match order_type {
        "market" => &[],
        "limit" => &["limit_price"],
        "stop" => &["stop_price"],
        "stop_limit" => &["stop_price", "limit_price"],
        "trailing_stop" => &["trail_price", "trail_percent"],
        other => {
            return Err(invalid_input(
                py,
                format!(
                    "field `order_type` = {other:?}: expected market, limit, stop, stop_limit or trailing_stop"
                ),
            ));
        }
    };
    if let Some((field, _)) = given
        .iter()
        .find(|(field, value)| value.is_some() && !allowed.contains(field))
    {
        return Err(invalid_input(
            py,
            format!("field `{field}`: not allowed for a {order_type} order"),
        ));
    }
    let required = |field: &str, value: Option<&Bound<'_, PyAny>>| -> PyResult<Price> {
        match value {
            Some(value) => decimal(value, field),
            None => Err(invalid_input(
                py,
                format!("field `{field}`: required for a {order_type} order"),
            )),
        }
    };
    Ok(match order_type {
        "market" => OrderKind::Market,
        "limit" => OrderKind::Limit {
            limit: required("limit_price", prices.limit)?,
        },
        "stop" => OrderKind::Stop {
            stop: required("stop_price", prices.stop)?,
        },
        "stop_limit" => OrderKind::StopLimit {
            stop: required("stop_price", prices.stop)?,
            limit: required("limit_price", prices.limit)?,
        },
        _ => {
            let trail = match (
                optional(prices.trail, "trail_price")?,
                optional(prices.trail_percent, "trail_percent")?,
            ) {
                (Some(price), None) => TrailingOffset::Price(price),
                (None, Some(percent)) => TrailingOffset::Percent(percent),
                _ => {
                    return Err(invalid_input(
                        py,
                        "field `trail_price`: a trailing_stop order needs exactly one of trail_price or trail_percent"
                            .into(),
                    ));
                }
            };
            OrderKind::TrailingStop { trail }
        }
    })
}

/// Everything of an order intent except its prices, as given from Python.
#[derive(Debug)]
pub(crate) struct IntentArgs<'a, 'py> {
    pub(crate) client_order_id: &'a str,
    pub(crate) symbol: &'a str,
    pub(crate) side: &'a str,
    pub(crate) quantity: &'a Bound<'py, PyAny>,
    pub(crate) order_type: &'a str,
    pub(crate) time_in_force: &'a str,
    pub(crate) strategy: Option<String>,
}

/// Builds a Rust order intent; every error names the field and the value.
pub(crate) fn intent_of(
    py: Python<'_>,
    args: IntentArgs<'_, '_>,
    prices: &PriceArgs<'_, '_>,
) -> PyResult<OrderIntent> {
    let invalid = |e: exec_gateway::error::OrderError| invalid_input(py, e.to_string());
    Ok(OrderIntent {
        client_order_id: ClientOrderId::new(args.client_order_id).map_err(invalid)?,
        symbol: Symbol::new(args.symbol).map_err(invalid)?,
        side: named(py, "side", args.side)?,
        quantity: decimal::<Quantity>(args.quantity, "quantity")?,
        kind: kind_of(py, args.order_type, prices)?,
        time_in_force: named(py, "time_in_force", args.time_in_force)?,
        strategy: args.strategy,
    })
}
