//! Runs the gateway: opens the journal, binds the gRPC and REST listeners and serves until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use exec_gateway::gateway::GatewayConfig;
use exec_gateway::recovery::RecoveryReport;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;

use crate::config::Settings;
use crate::engine::{Engine, EngineConfig};
use crate::metrics::Metrics;
use crate::{grpc, rest};

/// Requests in flight per HTTP/2 connection; a client queues the rest (backpressure). Unlimited, a burst
/// left thousands of small request frames buffered and h2's anti-flood budget (`too_many_data_frames`, about
/// 3,000 of them) closed the whole connection, failing every order on it. 512 is still a full group commit.
const MAX_STREAMS_PER_CONNECTION: u32 = 512;

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A listen address cannot be bound.
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// `gRPC` or `HTTP`.
        what: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The gateway could not be opened (journal replay or reconciliation failed).
    #[error("cannot open the gateway: {0}")]
    Open(String),
    /// A front end stopped with an error.
    #[error("{what} server failed: {why}")]
    Serve {
        /// `gRPC` or `HTTP`.
        what: &'static str,
        /// The error.
        why: String,
    },
}

/// A started server.
#[derive(Debug)]
pub struct Running {
    /// Where gRPC listens.
    pub grpc_addr: SocketAddr,
    /// Where REST listens.
    pub http_addr: SocketAddr,
    /// What opening the journal found.
    pub recovery: RecoveryReport,
    task: JoinHandle<Result<(), ServerError>>,
}

impl Running {
    /// Waits until the server has stopped (after `shutdown` fired) and the journal is closed.
    pub async fn wait(self) -> Result<(), ServerError> {
        self.task.await.unwrap_or_else(|e| {
            Err(ServerError::Serve {
                what: "gateway",
                why: e.to_string(),
            })
        })
    }
}

async fn bind(addr: SocketAddr, what: &'static str) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, what, source })
}

/// Opens the gateway and serves gRPC and REST until `shutdown` completes; in-flight calls finish first.
pub async fn start(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Running, ServerError> {
    let grpc_listener = bind(settings.grpc_listen, "gRPC").await?;
    let http_listener = bind(settings.http_listen, "HTTP").await?;
    let local = |listener: &TcpListener, addr, what| {
        listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, what, source })
    };
    let grpc_addr = local(&grpc_listener, settings.grpc_listen, "gRPC")?;
    let http_addr = local(&http_listener, settings.http_listen, "HTTP")?;
    let metrics = Arc::new(Metrics::default());
    metrics
        .kill_switch
        .set(i64::from(settings.limits.kill_switch));
    let engine_config = EngineConfig {
        journal: settings.journal,
        gateway: GatewayConfig {
            limits: settings.limits,
            instruments: settings.instruments,
            sync: settings.sync,
            guard: settings.guard,
            ..GatewayConfig::default()
        },
        sim: settings.sim,
        venue_state: settings.venue_state,
        alpaca: settings.alpaca,
    };
    let engine = tokio::task::spawn_blocking(move || Engine::start(engine_config, metrics))
        .await
        .map_err(|e| ServerError::Open(e.to_string()))?
        .map_err(ServerError::Open)?;
    let recovery = engine.recovery.clone();
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let grpc_service = grpc::service(
        engine.handle.clone(),
        settings.token.clone(),
        stop_rx.clone(),
    );
    let grpc = tonic::transport::Server::builder()
        .max_concurrent_streams(Some(MAX_STREAMS_PER_CONNECTION))
        .add_service(grpc_service)
        .serve_with_incoming_shutdown(
            TcpIncoming::from(grpc_listener).with_nodelay(Some(true)),
            stopped(stop_rx.clone()),
        );
    let http = axum::serve(
        http_listener,
        rest::router(engine.handle.clone(), settings.token),
    )
    .with_graceful_shutdown(stopped(stop_rx));
    let task = tokio::spawn(async move {
        let (grpc, http) = tokio::join!(grpc, http);
        // The front ends are gone, so the worker's queue closes; it finishes what it holds and closes the journal.
        let _ = tokio::task::spawn_blocking(move || engine.join()).await;
        grpc.map_err(|e| ServerError::Serve {
            what: "gRPC",
            why: e.to_string(),
        })?;
        http.map_err(|e| ServerError::Serve {
            what: "HTTP",
            why: e.to_string(),
        })
    });
    Ok(Running {
        grpc_addr,
        http_addr,
        recovery,
        task,
    })
}
