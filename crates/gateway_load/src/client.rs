//! Authenticated tonic clients of `trader.v1.OrderGateway`, one per HTTP/2 connection, and the order they submit.

use std::sync::{Arc, OnceLock};

use gateway_server::pb;
use gateway_server::pb::order_gateway_client::OrderGatewayClient;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};

use crate::error::LoadError;

/// Clients over `connections` separate HTTP/2 connections, handed out round-robin.
#[derive(Debug, Clone)]
pub struct Clients {
    clients: Vec<OrderGatewayClient<Channel>>,
    authorization: MetadataValue<tonic::metadata::Ascii>,
    first_error: Arc<OnceLock<String>>,
}

/// How one submit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new order, acknowledged (journaled, and fsync'd when the gateway is configured so).
    Accepted,
    /// The gateway answered with an error status (a refusal is as much a failure here as a dropped call).
    Failed,
}

impl Clients {
    /// Opens `connections` connections to `target` (`host:port`) with TCP_NODELAY.
    pub async fn connect(target: &str, token: &str, connections: usize) -> Result<Self, LoadError> {
        let error = |why: String| LoadError::Connect {
            target: target.to_owned(),
            why,
        };
        let endpoint = Endpoint::from_shared(format!("http://{target}"))
            .map_err(|e| error(e.to_string()))?
            .tcp_nodelay(true);
        let mut clients = Vec::with_capacity(connections);
        for _ in 0..connections {
            // One `connect` per client: each gets its own TCP connection (clones of a channel share one).
            let channel = endpoint.connect().await.map_err(|e| error(e.to_string()))?;
            clients.push(OrderGatewayClient::new(channel));
        }
        let authorization = format!("Bearer {token}")
            .parse()
            .map_err(|_| LoadError::BadToken)?;
        Ok(Self {
            clients,
            authorization,
            first_error: Arc::default(),
        })
    }

    /// Submits the order `{prefix}-{index}` over connection `index % connections` and says how it ended.
    pub async fn submit(&self, prefix: &str, index: u64) -> Outcome {
        let mut client = self.clients[(index % self.clients.len() as u64) as usize].clone();
        let mut request = tonic::Request::new(order(format!("{prefix}-{index}")));
        request
            .metadata_mut()
            .insert("authorization", self.authorization.clone());
        let why = match client.submit_order(request).await {
            Ok(response) if !response.get_ref().duplicate => return Outcome::Accepted,
            Ok(_) => format!("order {prefix}-{index} answered as a duplicate"),
            Err(status) => {
                let mut why = format!(
                    "order {prefix}-{index}: {:?}: {}",
                    status.code(),
                    status.message()
                );
                // Transport failures keep their cause in the source chain (an h2 or I/O error).
                let mut source = std::error::Error::source(&status);
                while let Some(cause) = source {
                    why += &format!(": {cause}");
                    source = cause.source();
                }
                why
            }
        };
        let _ = self.first_error.set(why);
        Outcome::Failed
    }

    /// The first failure seen on any connection, if any.
    pub fn first_error(&self) -> Option<String> {
        self.first_error.get().cloned()
    }
}

/// A resting buy limit order (the simulated venue acknowledges it; no bar ever fills it during the run).
fn order(client_order_id: String) -> pb::SubmitOrderRequest {
    pb::SubmitOrderRequest {
        intent: Some(pb::OrderIntent {
            client_order_id,
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
