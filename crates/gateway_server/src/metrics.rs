//! Prometheus metrics of the gateway server: a handful of counters and gauges, rendered as text for `/metrics`.

use std::fmt;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// Histogram buckets (seconds) fine enough below the 2 ms submit target to read a p50 and a p99 off them.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01,
    0.02, 0.05, 0.1, 0.5,
];

/// The gateway's metrics; cheap to update from any thread.
pub struct Metrics {
    registry: Registry,
    /// Orders accepted into the journal (new intents, not duplicates).
    pub orders_submitted: Counter,
    /// Submits answered with the original order (same client_order_id, same content).
    pub orders_duplicate: Counter,
    /// Requests refused, by gRPC status code name and reason code.
    pub requests_refused: Family<Labels, Counter>,
    /// Cancels that went through.
    pub orders_canceled: Counter,
    /// Orders not yet terminal.
    pub open_orders: Gauge,
    /// The last journal sequence number.
    pub journal_sequence: Gauge,
    /// 1 while the kill switch is on.
    pub kill_switch: Gauge,
    /// Server-side submit latency: from the decoded request to the answer (queueing, journal syncs, venue call),
    /// without the network and the HTTP/2 framing around it.
    pub submit_seconds: Histogram,
    /// Time the gateway worker takes to serve one group of submits (both journal syncs included).
    pub submit_batch_seconds: Histogram,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("trader_gateway");
        let metrics = Self {
            orders_submitted: Counter::default(),
            orders_duplicate: Counter::default(),
            requests_refused: Family::default(),
            orders_canceled: Counter::default(),
            open_orders: Gauge::default(),
            journal_sequence: Gauge::default(),
            kill_switch: Gauge::default(),
            submit_seconds: Histogram::new(LATENCY_BUCKETS),
            submit_batch_seconds: Histogram::new(LATENCY_BUCKETS),
            registry: Registry::default(),
        };
        registry.register(
            "orders_submitted",
            "New orders journaled and sent",
            metrics.orders_submitted.clone(),
        );
        registry.register(
            "orders_duplicate",
            "Submits answered with the original order",
            metrics.orders_duplicate.clone(),
        );
        registry.register(
            "requests_refused",
            "Requests refused, by status code and reason code",
            metrics.requests_refused.clone(),
        );
        registry.register(
            "orders_canceled",
            "Cancels that went through",
            metrics.orders_canceled.clone(),
        );
        registry.register(
            "open_orders",
            "Orders not yet terminal",
            metrics.open_orders.clone(),
        );
        registry.register(
            "journal_sequence",
            "Last journal sequence number",
            metrics.journal_sequence.clone(),
        );
        registry.register(
            "kill_switch",
            "1 while the kill switch is on",
            metrics.kill_switch.clone(),
        );
        registry.register(
            "submit_seconds",
            "Server-side submit latency, from the decoded request to the answer",
            metrics.submit_seconds.clone(),
        );
        registry.register(
            "submit_batch_seconds",
            "Time to serve one group commit of submits",
            metrics.submit_batch_seconds.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// Counts a refused request.
    pub fn refused(&self, code: &str, reason: &str) {
        self.requests_refused
            .get_or_create(&vec![
                ("code".to_owned(), code.to_owned()),
                ("reason".to_owned(), reason.to_owned()),
            ])
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}
