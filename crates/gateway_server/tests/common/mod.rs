//! Shared helpers of the integration tests: a real server on 127.0.0.1:0 and an authenticated gRPC client.
#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;

use exec_gateway::journal::SyncPolicy;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::sim::SimConfig;
use gateway_server::auth::Token;
use gateway_server::config::Settings;
use gateway_server::pb;
use gateway_server::pb::order_gateway_client::OrderGatewayClient;
use gateway_server::server::{self, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

pub const TOKEN: &str = "integration-test-token-0123";

/// A running server and the channel that stops it.
pub struct TestServer {
    pub running: Running,
    stop: oneshot::Sender<()>,
}

impl TestServer {
    /// Starts a server with its journal in `dir` and the given limits.
    pub async fn start(dir: &Path, limits: LimitsConfig) -> Self {
        Self::start_with(dir, |settings| settings.limits = limits).await
    }

    /// Starts a server with its journal in `dir` and settings changed by `edit`.
    pub async fn start_with(dir: &Path, edit: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings {
            grpc_listen: "127.0.0.1:0".parse().unwrap(),
            http_listen: "127.0.0.1:0".parse().unwrap(),
            token: Token::new(TOKEN).unwrap(),
            journal: dir.join("gateway.journal"),
            sync: SyncPolicy::Fsync,
            limits: LimitsConfig::default(),
            instruments: Vec::new(),
            guard: None,
            sim: SimConfig::default(),
            venue_state: dir.join("gateway.venue"),
            alpaca: None,
        };
        edit(&mut settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let running = server::start(settings, async {
            let _ = stopped.await;
        })
        .await
        .expect("server starts");
        Self { running, stop }
    }

    /// An authenticated client.
    pub async fn client(&self) -> Client {
        client_with(self.running.grpc_addr, add_token).await
    }

    /// Stops the server through the oneshot channel and waits until the journal is closed.
    pub async fn stop(self) {
        self.stop.send(()).expect("server still running");
        self.running.wait().await.expect("clean shutdown");
    }
}

pub type Client =
    OrderGatewayClient<InterceptedService<Channel, fn(Request<()>) -> Result<Request<()>, Status>>>;

fn add_token(mut request: Request<()>) -> Result<Request<()>, Status> {
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
    Ok(request)
}

/// A client whose requests pass through `interceptor` (to test auth).
pub async fn client_with(
    addr: std::net::SocketAddr,
    interceptor: fn(Request<()>) -> Result<Request<()>, Status>,
) -> Client {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connects");
    OrderGatewayClient::with_interceptor(channel, interceptor)
}

/// A limit buy intent.
pub fn limit_buy(id: &str, quantity: &str, limit: &str) -> pb::OrderIntent {
    pb::OrderIntent {
        client_order_id: id.into(),
        symbol: "AAPL".into(),
        side: "buy".into(),
        quantity: quantity.into(),
        order_type: "limit".into(),
        limit_price: limit.into(),
        time_in_force: "gtc".into(),
        ..Default::default()
    }
}

/// Submits and unwraps the response.
pub async fn submit(
    client: &mut Client,
    intent: pb::OrderIntent,
) -> Result<pb::SubmitOrderResponse, Status> {
    client
        .submit_order(pb::SubmitOrderRequest {
            intent: Some(intent),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// One HTTP/1.1 request over a fresh connection: returns the status code and the body.
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a complete HTTP response");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}
