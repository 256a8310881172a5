//! The `trader-gateway` server: the exec_gateway core behind gRPC (`trader.v1.OrderGateway`) and REST/JSON.
//!
//! One worker thread owns the gateway ([`engine`]); the front ends ([`grpc`], [`rest`]) turn wire messages into
//! core types ([`convert`]) and core errors into status codes ([`api_error`]), behind a bearer token ([`auth`]).
//! StreamEvents follows the journal ([`events`]); the venue is the simulator, which outlives restarts
//! ([`durable_venue`]), or Alpaca ([`server_venue`], [`alpaca_config`]); the kill switch survives restarts ([`kill_switch`]). [`config`] reads the TOML file; [`server`] wires it all up.

pub mod alpaca_config;
pub mod api_error;
pub mod auth;
pub mod config;
pub mod convert;
pub mod durable_venue;
pub mod engine;
pub mod events;
pub mod grpc;
pub mod kill_switch;
pub mod metrics;
pub mod rest;
pub mod server;
pub mod server_venue;

/// The generated protobuf messages and the gRPC client and server of `trader.v1`.
#[allow(
    missing_docs,
    clippy::all,
    unused_qualifications,
    missing_debug_implementations
)]
pub mod pb {
    tonic::include_proto!("trader.v1");
}
