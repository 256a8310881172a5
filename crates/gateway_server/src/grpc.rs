//! The gRPC front end: `trader.v1.OrderGateway` over the gateway worker, with bearer-token auth.

use std::pin::Pin;

use tokio::sync::{mpsc, watch};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::api_error::ApiError;
use crate::auth::Token;
use crate::convert::{bar_from_wire, client_order_id, intent_from_wire, order_to_wire};
use crate::engine::EngineHandle;
use crate::pb;
use crate::pb::order_gateway_server::{OrderGateway, OrderGatewayServer};

/// Events sent per read of the log; a slow client is fed in chunks of this size.
const STREAM_CHUNK: usize = 256;

/// The service: every call goes to the one gateway worker.
#[derive(Debug, Clone)]
pub struct GatewayService {
    engine: EngineHandle,
    shutdown: watch::Receiver<bool>,
}

/// The service wrapped in the auth check, ready for `tonic::transport::Server::add_service`.
pub fn service(
    engine: EngineHandle,
    token: Token,
    shutdown: watch::Receiver<bool>,
) -> tonic::service::interceptor::InterceptedService<
    OrderGatewayServer<GatewayService>,
    impl tonic::service::Interceptor + Clone,
> {
    let metrics = engine.metrics.clone();
    let check = move |request: Request<()>| {
        let header = request
            .metadata()
            .get("authorization")
            .map(|v| v.as_bytes());
        if token.accepts(header) {
            Ok(request)
        } else {
            metrics.refused("Unauthenticated", "UNAUTHENTICATED");
            Err(Status::unauthenticated(
                "UNAUTHENTICATED: missing or wrong bearer token",
            ))
        }
    };
    OrderGatewayServer::with_interceptor(GatewayService { engine, shutdown }, check)
}

fn status(error: ApiError) -> Status {
    error.to_status()
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, Status> {
    value.ok_or_else(|| {
        ApiError::new(
            tonic::Code::InvalidArgument,
            "INVALID_ARGUMENT",
            format!("field `{field}` is required"),
        )
        .to_status()
    })
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::GatewayEvent, Status>> + Send>>;

#[tonic::async_trait]
impl OrderGateway for GatewayService {
    async fn submit_order(
        &self,
        request: Request<pb::SubmitOrderRequest>,
    ) -> Result<Response<pb::SubmitOrderResponse>, Status> {
        let intent = required("intent", request.into_inner().intent)?;
        let intent = intent_from_wire("intent.", &intent).map_err(|e| status(e.into()))?;
        let submitted = self.engine.submit(intent).await.map_err(status)?;
        Ok(Response::new(pb::SubmitOrderResponse {
            order: Some(order_to_wire(&submitted.order)),
            duplicate: submitted.duplicate,
        }))
    }

    async fn cancel_order(
        &self,
        request: Request<pb::CancelOrderRequest>,
    ) -> Result<Response<pb::OrderResponse>, Status> {
        let id = client_order_id("client_order_id", &request.into_inner().client_order_id)
            .map_err(|e| status(e.into()))?;
        let order = self.engine.cancel(id).await.map_err(status)?;
        Ok(Response::new(pb::OrderResponse {
            order: Some(order_to_wire(&order)),
        }))
    }

    async fn replace_order(
        &self,
        request: Request<pb::ReplaceOrderRequest>,
    ) -> Result<Response<pb::SubmitOrderResponse>, Status> {
        let request = request.into_inner();
        let old = client_order_id("client_order_id", &request.client_order_id)
            .map_err(|e| status(e.into()))?;
        let new = required("replacement", request.replacement)?;
        let new = intent_from_wire("replacement.", &new).map_err(|e| status(e.into()))?;
        let submitted = self.engine.replace(old, new).await.map_err(status)?;
        Ok(Response::new(pb::SubmitOrderResponse {
            order: Some(order_to_wire(&submitted.order)),
            duplicate: submitted.duplicate,
        }))
    }

    async fn get_order(
        &self,
        request: Request<pb::GetOrderRequest>,
    ) -> Result<Response<pb::OrderResponse>, Status> {
        let id = client_order_id("client_order_id", &request.into_inner().client_order_id)
            .map_err(|e| status(e.into()))?;
        let order = self.engine.get(id).await.map_err(status)?;
        Ok(Response::new(pb::OrderResponse {
            order: Some(order_to_wire(&order)),
        }))
    }

    async fn list_orders(
        &self,
        request: Request<pb::ListOrdersRequest>,
    ) -> Result<Response<pb::ListOrdersResponse>, Status> {
        let orders = self
            .engine
            .list(request.into_inner().open_only)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOrdersResponse {
            orders: orders.iter().map(order_to_wire).collect(),
        }))
    }

    async fn get_positions(
        &self,
        _request: Request<pb::GetPositionsRequest>,
    ) -> Result<Response<pb::GetPositionsResponse>, Status> {
        let positions = self.engine.positions().await.map_err(status)?;
        Ok(Response::new(pb::GetPositionsResponse {
            positions: positions
                .into_iter()
                .map(|(symbol, quantity)| pb::Position {
                    symbol: symbol.to_string(),
                    quantity: quantity.to_string(),
                })
                .collect(),
        }))
    }

    type StreamEventsStream = EventStream;

    async fn stream_events(
        &self,
        request: Request<pb::StreamEventsRequest>,
    ) -> Result<Response<Self::StreamEventsStream>, Status> {
        let mut next = request.into_inner().from_sequence.max(1);
        let (tx, rx) = mpsc::channel(STREAM_CHUNK);
        let log = self.engine.events.clone();
        let mut changed = log.subscribe();
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                // Mark the current value seen before reading, so an append after the read still wakes us.
                changed.borrow_and_update();
                let events = log.read_from(next, STREAM_CHUNK);
                if events.is_empty() {
                    tokio::select! {
                        result = changed.changed() => if result.is_err() { return },
                        _ = shutdown.wait_for(|stop| *stop) => return,
                        () = tx.closed() => return,
                    }
                    continue;
                }
                for event in events {
                    next = event.sequence + 1;
                    if tx.send(Ok(event)).await.is_err() {
                        return; // the client went away
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn set_kill_switch(
        &self,
        request: Request<pb::SetKillSwitchRequest>,
    ) -> Result<Response<pb::SetKillSwitchResponse>, Status> {
        let on = self
            .engine
            .set_kill_switch(request.into_inner().on)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::SetKillSwitchResponse { on }))
    }

    async fn health(
        &self,
        _request: Request<pb::HealthRequest>,
    ) -> Result<Response<pb::HealthResponse>, Status> {
        Ok(Response::new(health(&self.engine).await.map_err(status)?))
    }

    async fn publish_bar(
        &self,
        request: Request<pb::PublishBarRequest>,
    ) -> Result<Response<pb::PublishBarResponse>, Status> {
        let bar = required("bar", request.into_inner().bar)?;
        let bar = bar_from_wire(&bar).map_err(|e| status(e.into()))?;
        let events = self.engine.publish_bar(bar).await.map_err(status)?;
        Ok(Response::new(pb::PublishBarResponse {
            events: events as u64,
        }))
    }
}

/// The health answer, shared with the REST `/health`.
pub async fn health(engine: &EngineHandle) -> Result<pb::HealthResponse, ApiError> {
    let snapshot = engine.health().await?;
    let status = if snapshot.halted.is_some() {
        "halted"
    } else if snapshot.kill_switch {
        "kill_switch"
    } else {
        "serving"
    };
    Ok(pb::HealthResponse {
        status: status.into(),
        kill_switch: snapshot.kill_switch,
        breaker: snapshot.breaker.into(),
        halted_reason: snapshot.halted.unwrap_or_default(),
        open_orders: snapshot.open_orders as u64,
        last_sequence: engine.events.last_sequence(),
        venue_orders: snapshot.venue_orders as u64,
        venue_refused_duplicates: snapshot.venue_refused_duplicates,
    })
}
