//! `gateway_load::run` against a real in-process gateway on 127.0.0.1:0 with an fsync'd journal: every order the
//! client counts as acknowledged is an order the gateway holds, and refusals are counted as failures, not latency.

use std::time::Duration;

use exec_gateway::journal::SyncPolicy;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::sim::SimConfig;
use gateway_load::args::{Mode, Options};
use gateway_server::auth::Token;
use gateway_server::config::Settings;
use gateway_server::pb;
use gateway_server::pb::order_gateway_client::OrderGatewayClient;
use gateway_server::server::{self, Running};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

const TOKEN: &str = "load-test-token-0123456789";

/// A gateway served by its own runtime, so the load client (which runs its own runtime) can block freely.
struct Server {
    runtime: Runtime,
    running: Running,
    stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(kill_switch: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            grpc_listen: "127.0.0.1:0".parse().unwrap(),
            http_listen: "127.0.0.1:0".parse().unwrap(),
            token: Token::new(TOKEN).unwrap(),
            journal: dir.path().join("gateway.journal"),
            sync: SyncPolicy::Fsync,
            limits: LimitsConfig {
                kill_switch,
                ..LimitsConfig::default()
            },
            instruments: Vec::new(),
            guard: None,
            sim: SimConfig::default(),
            venue_state: dir.path().join("gateway.venue"),
            alpaca: None,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = runtime
            .block_on(server::start(settings, async {
                let _ = stopped.await;
            }))
            .expect("server starts");
        Self {
            runtime,
            running,
            stop,
            _dir: dir,
        }
    }

    fn options(&self, mode: Mode, prefix: &str) -> Options {
        Options {
            target: self.running.grpc_addr.to_string(),
            mode,
            rate: 400,
            duration: Duration::from_millis(500),
            warmup: Duration::from_millis(100),
            connections: 2,
            concurrency: 4,
            threads: 1,
            prefix: prefix.to_owned(),
            json: true,
        }
    }

    /// Client order ids of every order the gateway holds.
    fn order_ids(&self) -> Vec<String> {
        let addr = self.running.grpc_addr;
        self.runtime.block_on(async move {
            let mut client = OrderGatewayClient::connect(format!("http://{addr}"))
                .await
                .unwrap();
            let mut request = tonic::Request::new(pb::ListOrdersRequest { open_only: false });
            let bearer = format!("Bearer {TOKEN}").parse().unwrap();
            request.metadata_mut().insert("authorization", bearer);
            let orders = client
                .list_orders(request)
                .await
                .unwrap()
                .into_inner()
                .orders;
            orders
                .into_iter()
                .map(|o| o.intent.unwrap().client_order_id)
                .collect()
        })
    }

    fn stop(self) {
        self.stop.send(()).unwrap();
        self.runtime.block_on(self.running.wait()).unwrap();
    }
}

#[test]
fn open_loop_sends_the_schedule_and_every_ack_is_a_gateway_order() {
    let server = Server::start(false);
    let report = gateway_load::run(&server.options(Mode::Open, "open"), TOKEN).unwrap();
    // 400/s for 0.5 s: exactly 200 measured orders, whatever the timing.
    assert_eq!(
        (
            report.sent,
            report.accepted,
            report.failed,
            report.unanswered
        ),
        (200, 200, 0, 0)
    );
    assert!(report.clean());
    assert_eq!(report.offered_rate, Some(400));
    let latency = report.latency.expect("latencies");
    assert_eq!(latency.count, 200);
    assert!(latency.p50_us <= latency.p99_us && latency.p99_us <= latency.max_us);
    assert_eq!(
        report.send_lag.expect("open loop measures its pacer").count,
        200
    );

    let ids = server.order_ids();
    let measured = ids.iter().filter(|id| id.starts_with("open-")).count();
    let warmup = ids.iter().filter(|id| id.starts_with("open-warm-")).count();
    assert_eq!(warmup, 40, "0.1 s of warm-up at 400/s");
    assert_eq!(measured - warmup, 200);
    assert_eq!(ids.len(), 240);
    server.stop();
}

#[test]
fn closed_loop_counts_match_the_gateway_and_refusals_are_failures() {
    let server = Server::start(false);
    let report = gateway_load::run(&server.options(Mode::Closed, "closed"), TOKEN).unwrap();
    assert!(report.accepted > 0 && report.clean(), "{}", report.text());
    assert_eq!(report.concurrency, Some(4));
    assert_eq!(report.send_lag, None, "a closed loop has no schedule");
    let ids = server.order_ids();
    let measured = ids
        .iter()
        .filter(|id| id.starts_with("closed-") && !id.starts_with("closed-warm-"))
        .count() as u64;
    assert_eq!(measured, report.accepted);
    server.stop();

    let halted = Server::start(true);
    let mut options = halted.options(Mode::Open, "refused");
    options.warmup = Duration::ZERO;
    let report = gateway_load::run(&options, TOKEN).unwrap();
    assert_eq!((report.sent, report.accepted, report.failed), (200, 0, 200));
    assert!(!report.clean());
    assert_eq!(report.latency, None, "refusals are not latency samples");
    let why = report.first_error.expect("the first refusal is kept");
    assert!(why.contains("KILL_SWITCH"), "{why}");
    halted.stop();
}

#[test]
fn a_gateway_that_is_not_there_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let options = Options::parse(["--target".to_owned(), addr.to_string()], "x".into())
        .unwrap()
        .unwrap();
    let error = gateway_load::run(&options, TOKEN).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot connect to the gateway at {addr}")),
        "{error}"
    );
}
