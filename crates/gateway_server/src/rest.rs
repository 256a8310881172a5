//! The REST/JSON front end on the same gateway worker: orders, positions, health and Prometheus metrics.
//!
//! Bodies and answers are the gRPC messages as JSON (decimal strings for money). Every route but `/health`
//! needs `Authorization: Bearer <token>`. Errors are `{"code", "reason", "message"}` with a matching HTTP status.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api_error::ApiError;
use crate::auth::Token;
use crate::convert::{client_order_id, intent_from_wire, order_to_wire};
use crate::engine::EngineHandle;
use crate::pb;

#[derive(Debug, Clone)]
struct AppState {
    engine: EngineHandle,
    token: Token,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({
            "code": format!("{:?}", self.code),
            "reason": self.reason,
            "message": self.message,
        });
        (status, Json(body)).into_response()
    }
}

fn bad_body(detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(tonic::Code::InvalidArgument, "INVALID_ARGUMENT", detail)
}

/// The router; mount it on a listener with `axum::serve`.
pub fn router(engine: EngineHandle, token: Token) -> Router {
    let state = AppState { engine, token };
    let protected = Router::new()
        .route("/v1/orders", get(list_orders).post(submit_order))
        .route(
            "/v1/orders/{client_order_id}",
            get(get_order).delete(cancel_order),
        )
        .route("/v1/positions", get(positions))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/health", get(health))
        .merge(protected)
        .with_state(state)
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if state.token.accepts(header) {
        return next.run(request).await;
    }
    state
        .engine
        .metrics
        .refused("Unauthenticated", "UNAUTHENTICATED");
    ApiError::new(
        tonic::Code::Unauthenticated,
        "UNAUTHENTICATED",
        "missing or wrong bearer token",
    )
    .into_response()
}

async fn submit_order(
    State(state): State<AppState>,
    body: Result<Json<pb::OrderIntent>, JsonRejection>,
) -> Result<(StatusCode, Json<pb::SubmitOrderResponse>), ApiError> {
    let Json(intent) = body.map_err(|e| bad_body(e.body_text()))?;
    let intent = intent_from_wire("", &intent)?;
    let submitted = state.engine.submit(intent).await?;
    let status = if submitted.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(pb::SubmitOrderResponse {
            order: Some(order_to_wire(&submitted.order)),
            duplicate: submitted.duplicate,
        }),
    ))
}

async fn get_order(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<pb::Order>, ApiError> {
    let order = state
        .engine
        .get(client_order_id("client_order_id", &id)?)
        .await?;
    Ok(Json(order_to_wire(&order)))
}

async fn cancel_order(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<pb::Order>, ApiError> {
    let order = state
        .engine
        .cancel(client_order_id("client_order_id", &id)?)
        .await?;
    Ok(Json(order_to_wire(&order)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ListQuery {
    open_only: bool,
}

async fn list_orders(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<pb::ListOrdersResponse>, ApiError> {
    let Query(query) = query.map_err(|e| bad_body(e.body_text()))?;
    let orders = state.engine.list(query.open_only).await?;
    Ok(Json(pb::ListOrdersResponse {
        orders: orders.iter().map(order_to_wire).collect(),
    }))
}

async fn positions(
    State(state): State<AppState>,
) -> Result<Json<pb::GetPositionsResponse>, ApiError> {
    let positions = state.engine.positions().await?;
    Ok(Json(pb::GetPositionsResponse {
        positions: positions
            .into_iter()
            .map(|(symbol, quantity)| pb::Position {
                symbol: symbol.to_string(),
                quantity: quantity.to_string(),
            })
            .collect(),
    }))
}

async fn health(State(state): State<AppState>) -> Result<Json<pb::HealthResponse>, ApiError> {
    Ok(Json(crate::grpc::health(&state.engine).await?))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.engine.metrics.render(),
    )
}
