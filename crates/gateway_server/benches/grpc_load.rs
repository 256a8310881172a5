//! Load on the gateway server over real gRPC from Rust (tonic) clients: orders/s and p50/p99 submit latency.
//!
//! The server runs in this process on 127.0.0.1 with a journal in a temp dir, once with `fsync` and once with the
//! OS-buffer policy (the peer: what durability costs). Targets from issue 4: >= 20,000 orders/s, p99 <= 2 ms.
//! Clients and server share the machine's cores, so the rate is a floor for the server.

use std::time::{Duration, Instant};

use exec_gateway::journal::SyncPolicy;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::sim::SimConfig;
use gateway_server::auth::Token;
use gateway_server::config::Settings;
use gateway_server::pb;
use gateway_server::pb::order_gateway_client::OrderGatewayClient;
use gateway_server::server;
use tonic::transport::Channel;

const TOKEN: &str = "bench-token-0123456789abcdef";
const LATENCY_ORDERS: usize = 2_000;
const CHANNELS: usize = 4;
const TASKS_PER_CHANNEL: usize = 32;
const ORDERS_PER_TASK: usize = 400;

fn intent(id: String) -> pb::SubmitOrderRequest {
    pb::SubmitOrderRequest {
        intent: Some(pb::OrderIntent {
            client_order_id: id,
            symbol: "AAPL".into(),
            side: "buy".into(),
            quantity: "1".into(),
            order_type: "limit".into(),
            limit_price: "100.25".into(),
            time_in_force: "gtc".into(),
            ..Default::default()
        }),
    }
}

fn authorized(request: pb::SubmitOrderRequest) -> tonic::Request<pb::SubmitOrderRequest> {
    let mut request = tonic::Request::new(request);
    let value = format!("Bearer {TOKEN}").parse().expect("ascii");
    request.metadata_mut().insert("authorization", value);
    request
}

async fn connect(addr: std::net::SocketAddr) -> OrderGatewayClient<Channel> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .tcp_nodelay(true)
        .connect()
        .await
        .expect("connect");
    OrderGatewayClient::new(channel)
}

/// Median and 99th percentile of `samples`.
fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100 - 1],
    )
}

/// (orders/s under load, p50/p99 under load, p50/p99 of one sequential client).
async fn run(sync: SyncPolicy) -> (f64, (Duration, Duration), (Duration, Duration)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        grpc_listen: "127.0.0.1:0".parse().expect("addr"),
        http_listen: "127.0.0.1:0".parse().expect("addr"),
        token: Token::new(TOKEN).expect("token"),
        journal: dir.path().join("journal"),
        sync,
        limits: LimitsConfig::default(),
        instruments: Vec::new(),
        guard: None,
        sim: SimConfig::default(),
        venue_state: dir.path().join("venue"),
        alpaca: None,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = server::start(settings, async {
        let _ = stopped.await;
    })
    .await
    .expect("server starts");
    let addr = running.grpc_addr;

    let mut client = connect(addr).await;
    let mut samples = Vec::with_capacity(LATENCY_ORDERS);
    for index in 0..LATENCY_ORDERS {
        let start = Instant::now();
        let request = authorized(intent(format!("lat-{index}")));
        client.submit_order(request).await.expect("submit");
        samples.push(start.elapsed());
    }

    let mut tasks = Vec::new();
    let start = Instant::now();
    for channel in 0..CHANNELS {
        let client = connect(addr).await;
        for task in 0..TASKS_PER_CHANNEL {
            let mut client = client.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(ORDERS_PER_TASK);
                for index in 0..ORDERS_PER_TASK {
                    let request = authorized(intent(format!("load-{channel}-{task}-{index}")));
                    let sent = Instant::now();
                    client.submit_order(request).await.expect("submit");
                    latencies.push(sent.elapsed());
                }
                latencies
            }));
        }
    }
    let mut loaded = Vec::new();
    for task in tasks {
        loaded.extend(task.await.expect("task"));
    }
    let total = CHANNELS * TASKS_PER_CHANNEL * ORDERS_PER_TASK;
    let rate = total as f64 / start.elapsed().as_secs_f64();
    stop.send(()).expect("running");
    running.wait().await.expect("clean stop");
    (rate, percentiles(loaded), percentiles(samples))
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument (a filter) that is not ours skips this load run.
    if std::env::args()
        .skip(1)
        .any(|arg| !arg.starts_with("--") && arg != "grpc_load")
    {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let concurrency = CHANNELS * TASKS_PER_CHANNEL;
    println!(
        "gateway over gRPC, {concurrency} concurrent tonic clients, single sequential client for latency"
    );
    let mut rates = Vec::new();
    for (name, sync) in [
        ("fsync", SyncPolicy::Fsync),
        ("os_buffer", SyncPolicy::OsBuffer),
    ] {
        let (rate, loaded, alone) = runtime.block_on(run(sync));
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  journal {name:9}: {rate:9.0} orders/s  p50/p99 under load {:.3}/{:.3} ms, one client alone {:.3}/{:.3} ms",
            ms(loaded.0),
            ms(loaded.1),
            ms(alone.0),
            ms(alone.1)
        );
        rates.push(rate);
    }
    println!(
        "  fsync vs os_buffer throughput ratio: {:.2}; fsync vs the 20,000 orders/s target: {:.2}",
        rates[0] / rates[1],
        rates[0] / 20_000.0
    );
}
