//! What the embedded gateway hands back to Python: order, fill and event views, money as exact decimal text.

use exec_gateway::order::{
    ClientOrderId, Fee, Fill, Order, OrderEvent, OrderKind, Side, Symbol, TrailingOffset,
};
use exec_gateway::venue::VenueEvent;
use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One execution, money as exact decimal text.
#[pyclass(name = "GatewayFill", module = "trader._core", frozen)]
#[derive(Debug)]
pub struct GatewayFill {
    fill: Fill,
    client_order_id: ClientOrderId,
    venue_order_id: Option<String>,
    symbol: Symbol,
    side: Side,
}

impl GatewayFill {
    pub(crate) fn new(fill: &Fill, order: &Order) -> Self {
        let intent = order.intent();
        Self {
            fill: fill.clone(),
            client_order_id: intent.client_order_id.clone(),
            venue_order_id: order.venue_order_id().map(str::to_owned),
            symbol: intent.symbol.clone(),
            side: intent.side,
        }
    }
}

#[pymethods]
impl GatewayFill {
    /// The venue's execution id.
    #[getter]
    fn fill_id(&self) -> &str {
        &self.fill.fill_id
    }
    /// The order it belongs to.
    #[getter]
    fn client_order_id(&self) -> &str {
        self.client_order_id.as_str()
    }
    /// The venue's id of the order.
    #[getter]
    fn venue_order_id(&self) -> Option<&str> {
        self.venue_order_id.as_deref()
    }
    /// The instrument.
    #[getter]
    fn symbol(&self) -> &str {
        self.symbol.as_str()
    }
    /// `"buy"` or `"sell"`.
    #[getter]
    fn side(&self) -> &'static str {
        self.side.as_str()
    }
    /// Filled quantity (decimal text).
    #[getter]
    fn quantity(&self) -> String {
        self.fill.quantity.to_string()
    }
    /// Execution price (decimal text).
    #[getter]
    fn price(&self) -> String {
        self.fill.price.to_string()
    }
    /// Commission (decimal text), in the currency `fee_currency` names.
    #[getter]
    fn fee(&self) -> String {
        match self.fill.fee {
            Fee::Quote(money) => money.to_string(),
            Fee::Base(quantity) => quantity.to_string(),
        }
    }
    /// `"quote"` (cash) or `"base"` (taken from the received quantity, Alpaca crypto buys).
    #[getter]
    fn fee_currency(&self) -> &'static str {
        match self.fill.fee {
            Fee::Quote(_) => "quote",
            Fee::Base(_) => "base",
        }
    }
    /// Venue time of the fill (the bar's timestamp), nanoseconds since the Unix epoch.
    #[getter]
    fn timestamp_ns(&self) -> u64 {
        self.fill.timestamp_ns
    }

    /// The fields of the domain `Fill` in one call (the engine books one per order): `fill_id`, `order_id` (the
    /// venue's id, else the client's), `client_order_id`, `symbol`, `side` (`sides[side text]`), `qty`, `price`
    /// and `fee` (`decimal(text)` each), `fee_currency` (`quote` for a quote-currency fee, else the base asset:
    /// the symbol before its `/`) and `timestamp` (given: the caller's datetime of `timestamp_ns`).
    fn fill_fields<'py>(
        &self,
        py: Python<'py>,
        decimal: &Bound<'py, PyAny>,
        sides: &Bound<'py, PyDict>,
        quote: &Bound<'py, PyAny>,
        timestamp: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let side = self.side.as_str();
        let side = sides
            .get_item(side)?
            .ok_or_else(|| PyKeyError::new_err(side))?;
        let symbol = self.symbol.as_str();
        let order_id = self
            .venue_order_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .unwrap_or(self.client_order_id.as_str());
        let fields = PyDict::new(py);
        fields.set_item(intern!(py, "fill_id"), &self.fill.fill_id)?;
        fields.set_item(intern!(py, "order_id"), order_id)?;
        fields.set_item(
            intern!(py, "client_order_id"),
            self.client_order_id.as_str(),
        )?;
        fields.set_item(intern!(py, "symbol"), symbol)?;
        fields.set_item(intern!(py, "side"), side)?;
        let qty = decimal.call1((self.fill.quantity.to_string(),))?;
        fields.set_item(intern!(py, "qty"), qty)?;
        fields.set_item(
            intern!(py, "price"),
            decimal.call1((self.fill.price.to_string(),))?,
        )?;
        fields.set_item(intern!(py, "fee"), decimal.call1((self.fee(),))?)?;
        match self.fill.fee {
            Fee::Quote(_) => fields.set_item(intern!(py, "fee_currency"), quote)?,
            Fee::Base(_) => {
                let base = symbol.split('/').next().unwrap_or(symbol);
                fields.set_item(intern!(py, "fee_currency"), base)?;
            }
        }
        fields.set_item(intern!(py, "timestamp"), timestamp)?;
        Ok(fields)
    }

    fn __repr__(&self) -> String {
        format!(
            "GatewayFill({} {} {} {} @ {}, fee {})",
            self.client_order_id,
            self.side.as_str(),
            self.fill.quantity,
            self.symbol,
            self.fill.price,
            self.fee()
        )
    }
}

/// An order as the gateway holds it, with the duplicate flag of the submit that returned it.
#[pyclass(name = "GatewayOrder", module = "trader._core", frozen)]
#[derive(Debug)]
pub struct GatewayOrder {
    order: Order,
    duplicate: bool,
}

impl GatewayOrder {
    pub(crate) fn new(order: Order, duplicate: bool) -> Self {
        Self { order, duplicate }
    }
}

fn text<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|v| v.to_string())
}

#[pymethods]
impl GatewayOrder {
    /// The idempotency key.
    #[getter]
    fn client_order_id(&self) -> &str {
        self.order.client_order_id().as_str()
    }
    /// The instrument.
    #[getter]
    fn symbol(&self) -> &str {
        self.order.intent().symbol.as_str()
    }
    /// `"buy"` or `"sell"`.
    #[getter]
    fn side(&self) -> &'static str {
        self.order.intent().side.as_str()
    }
    /// Order quantity (decimal text).
    #[getter]
    fn quantity(&self) -> String {
        self.order.intent().quantity.to_string()
    }
    /// `market`, `limit`, `stop`, `stop_limit` or `trailing_stop`.
    #[getter]
    fn order_type(&self) -> &'static str {
        match self.order.intent().kind {
            OrderKind::Market => "market",
            OrderKind::Limit { .. } => "limit",
            OrderKind::Stop { .. } => "stop",
            OrderKind::StopLimit { .. } => "stop_limit",
            OrderKind::TrailingStop { .. } => "trailing_stop",
        }
    }
    /// Limit price (decimal text), if the type has one.
    #[getter]
    fn limit_price(&self) -> Option<String> {
        match self.order.intent().kind {
            OrderKind::Limit { limit } | OrderKind::StopLimit { limit, .. } => text(Some(limit)),
            _ => None,
        }
    }
    /// Stop price (decimal text), if the type has one.
    #[getter]
    fn stop_price(&self) -> Option<String> {
        match self.order.intent().kind {
            OrderKind::Stop { stop } | OrderKind::StopLimit { stop, .. } => text(Some(stop)),
            _ => None,
        }
    }
    /// Trailing distance as a price (decimal text), for a trailing stop that has one.
    #[getter]
    fn trail_price(&self) -> Option<String> {
        match self.order.intent().kind {
            OrderKind::TrailingStop {
                trail: TrailingOffset::Price(price),
            } => text(Some(price)),
            _ => None,
        }
    }
    /// Trailing distance in percent (decimal text), for a trailing stop that has one.
    #[getter]
    fn trail_percent(&self) -> Option<String> {
        match self.order.intent().kind {
            OrderKind::TrailingStop {
                trail: TrailingOffset::Percent(percent),
            } => text(Some(percent)),
            _ => None,
        }
    }
    /// Time in force (`day`, `gtc`, `ioc`, `fok`, `opg`, `cls`).
    #[getter]
    fn time_in_force(&self) -> String {
        self.order.intent().time_in_force.to_string()
    }
    /// The strategy that sent it, if given.
    #[getter]
    fn strategy(&self) -> Option<&str> {
        self.order.intent().strategy.as_deref()
    }
    /// Status (`new`, `accepted`, `partially_filled`, `filled`, `canceled`, `rejected`, `expired`, `replaced`).
    #[getter]
    fn status(&self) -> &'static str {
        self.order.status().as_str()
    }
    /// The venue's id, once acknowledged.
    #[getter]
    fn venue_order_id(&self) -> Option<&str> {
        self.order.venue_order_id()
    }
    /// Quantity filled so far (decimal text).
    #[getter]
    fn filled_quantity(&self) -> String {
        self.order.filled_quantity().to_string()
    }
    /// Volume-weighted average fill price (decimal text, half-even at 9 decimals), once anything filled.
    #[getter]
    fn average_fill_price(&self) -> Option<String> {
        text(self.order.average_fill_price())
    }
    /// Why the venue rejected it, if it did.
    #[getter]
    fn reject_reason(&self) -> Option<&str> {
        self.order.reject_reason()
    }
    /// The order that replaced it, if any.
    #[getter]
    fn replaced_by(&self) -> Option<&str> {
        self.order.replaced_by().map(ClientOrderId::as_str)
    }
    /// True when this came back from a repeated submit of the same intent (nothing new was sent).
    #[getter]
    fn duplicate(&self) -> bool {
        self.duplicate
    }
    /// Every fill, in order.
    #[getter]
    fn fills(&self) -> Vec<GatewayFill> {
        self.order
            .fills()
            .iter()
            .map(|fill| GatewayFill::new(fill, &self.order))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "GatewayOrder({} {} {} {} {}, filled {}{})",
            self.client_order_id(),
            self.side(),
            self.quantity(),
            self.symbol(),
            self.status(),
            self.filled_quantity(),
            if self.duplicate { ", duplicate" } else { "" }
        )
    }
}

/// Something the venue reported about an order (a fill, a cancel, an expiry, a replacement, ...).
#[pyclass(name = "GatewayEvent", module = "trader._core", frozen)]
#[derive(Debug)]
pub struct GatewayEvent {
    kind: &'static str,
    client_order_id: ClientOrderId,
    status: &'static str,
    detail: Option<String>,
    fill: Option<Py<GatewayFill>>,
}

impl GatewayEvent {
    /// The view of `event`, with the order's status after it was applied.
    pub(crate) fn new(py: Python<'_>, event: &VenueEvent, order: &Order) -> PyResult<Self> {
        let (detail, fill) = match &event.event {
            OrderEvent::Filled(fill) => (None, Some(Py::new(py, GatewayFill::new(fill, order))?)),
            OrderEvent::Rejected { reason } => (Some(reason.clone()), None),
            OrderEvent::Replaced { by } => (Some(by.as_str().to_owned()), None),
            OrderEvent::Accepted { venue_order_id } => (Some(venue_order_id.clone()), None),
            OrderEvent::Canceled | OrderEvent::Expired => (None, None),
        };
        Ok(Self {
            kind: event.event.name(),
            client_order_id: event.client_order_id.clone(),
            status: order.status().as_str(),
            detail,
            fill,
        })
    }
}

#[pymethods]
impl GatewayEvent {
    /// `fill`, `canceled`, `expired`, `replaced`, `accepted` or `rejected`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }
    /// The order it concerns.
    #[getter]
    fn client_order_id(&self) -> &str {
        self.client_order_id.as_str()
    }
    /// The order's status after this and every earlier event of the same call.
    #[getter]
    fn status(&self) -> &'static str {
        self.status
    }
    /// The reject reason, the replacing order's id, or the venue order id of an acknowledgement.
    #[getter]
    fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The execution, for a `fill` event.
    #[getter]
    fn fill(&self, py: Python<'_>) -> Option<Py<GatewayFill>> {
        self.fill.as_ref().map(|fill| fill.clone_ref(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "GatewayEvent({} {} -> {})",
            self.kind, self.client_order_id, self.status
        )
    }
}
