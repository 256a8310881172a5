//! Criterion benches of the embedded submit path (gateway + simulated venue + journal) and the order state machine.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exec_gateway::clock::ManualClock;
use exec_gateway::gateway::{Gateway, GatewayConfig};
use exec_gateway::journal::SyncPolicy;
use exec_gateway::money::{Price, Quantity};
use exec_gateway::order::{
    ClientOrderId, Fee, Fill, Order, OrderEvent, OrderIntent, OrderKind, Side, Symbol, TimeInForce,
};
use exec_gateway::sim::{SimConfig, SimVenue};

fn intent(n: u64) -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new(format!("bench-{n}")).unwrap(),
        symbol: Symbol::new("AAPL").unwrap(),
        side: Side::Buy,
        quantity: Quantity::from_units(10),
        kind: OrderKind::Limit {
            limit: Price::from_units(100),
        },
        time_in_force: TimeInForce::Gtc,
        strategy: None,
    }
}

fn gateway(dir: &std::path::Path, sync: SyncPolicy) -> Gateway<SimVenue> {
    let config = GatewayConfig {
        sync,
        clock: Arc::new(ManualClock::default()),
        ..GatewayConfig::default()
    };
    Gateway::open(
        &dir.join("journal"),
        SimVenue::new(SimConfig::default()),
        config,
    )
    .unwrap()
    .0
}

fn submit(c: &mut Criterion) {
    let mut group = c.benchmark_group("embedded_submit");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(1));
    for (name, sync) in [
        ("submit_one_in_process", SyncPolicy::InProcess),
        ("submit_one_os_buffered", SyncPolicy::OsBuffer),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let dir = tempfile::tempdir().unwrap();
                let mut gw = gateway(dir.path(), sync);
                let intents: Vec<OrderIntent> = (0..iters).map(intent).collect();
                let start = Instant::now();
                for intent in intents {
                    black_box(gw.submit(intent).unwrap());
                }
                gw.flush_journal().unwrap();
                start.elapsed()
            });
        });
    }
    for (name, sync, batch) in [
        (
            "submit_batch_1000_os_buffered",
            SyncPolicy::OsBuffer,
            1000u64,
        ),
        ("submit_batch_1000_fsync", SyncPolicy::Fsync, 1000),
        ("submit_batch_100_fsync", SyncPolicy::Fsync, 100),
    ] {
        group.throughput(Throughput::Elements(batch));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let dir = tempfile::tempdir().unwrap();
                let mut gw = gateway(dir.path(), sync);
                let batches: Vec<Vec<OrderIntent>> = (0..iters)
                    .map(|i| (0..batch).map(|j| intent(i * batch + j)).collect())
                    .collect();
                let start = Instant::now();
                for batch in batches {
                    black_box(gw.submit_batch(batch));
                }
                start.elapsed()
            });
        });
    }
    group.finish();
}

fn state_machine(c: &mut Criterion) {
    let fill = |id: &str, quantity: i64| {
        OrderEvent::Filled(Fill {
            fill_id: id.into(),
            quantity: Quantity::from_units(quantity),
            price: Price::from_units(100),
            fee: Fee::default(),
            timestamp_ns: 0,
        })
    };
    let events = [
        OrderEvent::Accepted {
            venue_order_id: "v".into(),
        },
        fill("f1", 4),
        fill("f2", 6),
    ];
    let template = Order::new(intent(0));
    let mut group = c.benchmark_group("state_machine");
    group.throughput(Throughput::Elements(1));
    group.bench_function("accept_and_two_fills", |b| {
        b.iter(|| {
            let mut order = template.clone();
            for event in &events {
                order.apply(black_box(event)).unwrap();
            }
            black_box(order.average_fill_price())
        });
    });
    group.finish();
}

criterion_group!(benches, submit, state_machine);
criterion_main!(benches);
