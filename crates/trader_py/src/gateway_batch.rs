//! Many orders in one call to the embedded gateway: order tuples in, one result per order out (group commit).

use exec_gateway::error::GatewayError;
use exec_gateway::gateway::Submitted;
use exec_gateway::order::OrderIntent;
use pyo3::prelude::*;
use pyo3::types::{PyList, PySequence, PyString, PyTuple};

use crate::gateway_args::{IntentArgs, PriceArgs, intent_of};
use crate::gateway_error::{gateway_error, invalid_input};
use crate::gateway_types::GatewayOrder;

/// The fields of an order tuple, in order; the first four are required, the rest default as in `submit`.
const FIELDS: [&str; 11] = [
    "client_order_id",
    "symbol",
    "side",
    "quantity",
    "order_type",
    "limit_price",
    "stop_price",
    "trail_price",
    "trail_percent",
    "time_in_force",
    "strategy",
];
const REQUIRED: usize = 4;

/// A text field of an order tuple (`None` when absent or given as `None`).
fn text<'py>(
    item: &Bound<'py, PyTuple>,
    index: usize,
    position: usize,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let Some(value) = present(item, position)? else {
        return Ok(None);
    };
    match value.cast::<PyString>() {
        Ok(s) => Ok(Some(s.to_owned())),
        Err(_) => Err(invalid_input(
            item.py(),
            format!(
                "orders[{index}]: field `{}` = {}: expected text",
                FIELDS[position],
                value.repr()?
            ),
        )),
    }
}

/// The element at `position` of an order tuple unless it is absent or `None`.
fn present<'a, 'py>(
    item: &'a Bound<'py, PyTuple>,
    position: usize,
) -> PyResult<Option<Borrowed<'a, 'py, PyAny>>> {
    if position >= item.len() {
        return Ok(None);
    }
    let value = item.get_borrowed_item(position)?;
    Ok(if value.is_none() { None } else { Some(value) })
}

/// Reads one order tuple `(client_order_id, symbol, side, quantity[, order_type, limit_price, stop_price,
/// trail_price, trail_percent, time_in_force, strategy])` into an intent; errors name the order's index.
fn intent_of_item(py: Python<'_>, index: usize, item: &Bound<'_, PyAny>) -> PyResult<OrderIntent> {
    let Ok(item) = item.cast::<PyTuple>() else {
        return Err(invalid_input(
            py,
            format!(
                "orders[{index}] = {}: expected a tuple (client_order_id, symbol, side, quantity, ...)",
                item.repr()?
            ),
        ));
    };
    if !(REQUIRED..=FIELDS.len()).contains(&item.len()) {
        return Err(invalid_input(
            py,
            format!(
                "orders[{index}]: expected {REQUIRED} to {} fields ({}), got {}",
                FIELDS.len(),
                FIELDS.join(", "),
                item.len()
            ),
        ));
    }
    let required = |position: usize| -> PyResult<Bound<'_, PyString>> {
        text(item, index, position)?.ok_or_else(|| {
            invalid_input(
                py,
                format!("orders[{index}]: field `{}` is required", FIELDS[position]),
            )
        })
    };
    let Some(quantity) = present(item, 3)? else {
        return Err(invalid_input(
            py,
            format!("orders[{index}]: field `quantity` is required"),
        ));
    };
    let (id, symbol, side) = (required(0)?, required(1)?, required(2)?);
    let (order_type, time_in_force) = (text(item, index, 4)?, text(item, index, 9)?);
    let strategy = text(item, index, 10)?;
    let (limit, stop, trail, trail_percent) = (
        present(item, 5)?,
        present(item, 6)?,
        present(item, 7)?,
        present(item, 8)?,
    );
    intent_of(
        py,
        IntentArgs {
            client_order_id: id.to_str()?,
            symbol: symbol.to_str()?,
            side: side.to_str()?,
            quantity: &quantity,
            order_type: order_type.as_ref().map_or(Ok("market"), |s| s.to_str())?,
            time_in_force: time_in_force.as_ref().map_or(Ok("day"), |s| s.to_str())?,
            strategy: strategy
                .map(|s| s.to_str().map(str::to_owned))
                .transpose()?,
        },
        &PriceArgs {
            limit: limit.as_deref(),
            stop: stop.as_deref(),
            trail: trail.as_deref(),
            trail_percent: trail_percent.as_deref(),
        },
    )
    .map_err(|err| {
        // The shared parser names the field and the value; add which order it was.
        let message = err
            .value(py)
            .str()
            .map_or_else(|_| String::from("invalid order"), |s| s.to_string());
        invalid_input(py, format!("orders[{index}]: {message}"))
    })
}

/// Every order tuple of `orders` as an intent; the first bad one raises (and nothing is submitted).
pub(crate) fn intents_of(py: Python<'_>, orders: &Bound<'_, PyAny>) -> PyResult<Vec<OrderIntent>> {
    if let Ok(list) = orders.cast::<PyList>() {
        return list
            .iter()
            .enumerate()
            .map(|(index, item)| intent_of_item(py, index, &item))
            .collect();
    }
    let Ok(sequence) = orders.cast::<PySequence>() else {
        return Err(invalid_input(
            py,
            format!(
                "field `orders`: expected a list of order tuples, got {}",
                orders.get_type().name()?
            ),
        ));
    };
    (0..sequence.len()?)
        .map(|index| intent_of_item(py, index, &sequence.get_item(index)?))
        .collect()
}

/// One Python result per order: the order view, or the exception instance saying why it was refused.
pub(crate) fn results_of(
    py: Python<'_>,
    results: Vec<Result<Submitted, GatewayError>>,
) -> PyResult<Vec<Py<PyAny>>> {
    results
        .into_iter()
        .map(|result| match result {
            Ok(submitted) => Ok(Py::new(
                py,
                GatewayOrder::new(submitted.order, submitted.duplicate),
            )?
            .into_any()),
            Err(error) => Ok(gateway_error(py, error).into_value(py).into_any()),
        })
        .collect()
}
