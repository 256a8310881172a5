//! The async face of the gateway worker: each call queues a command and awaits the worker's answer.

use std::time::Instant;

use exec_gateway::gateway::Submitted;
use exec_gateway::matching::Bar;
use exec_gateway::money::Quantity;
use exec_gateway::order::{ClientOrderId, Order, OrderIntent, Symbol};
use tokio::sync::oneshot;

use super::{Command, EngineHandle, HealthSnapshot, Reply};
use crate::api_error::ApiError;

impl EngineHandle {
    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(command(reply))
            .await
            .map_err(|_| ApiError::stopped())?;
        answer.await.map_err(|_| ApiError::stopped())?
    }

    /// Submits a new order (idempotent on its client order id).
    pub async fn submit(&self, intent: OrderIntent) -> Result<Submitted, ApiError> {
        let start = Instant::now();
        let answer = self.ask(|reply| Command::Submit(intent, reply)).await;
        self.metrics
            .submit_seconds
            .observe(start.elapsed().as_secs_f64());
        answer
    }

    /// Replaces working order `old` by `new`.
    pub async fn replace(
        &self,
        old: ClientOrderId,
        new: OrderIntent,
    ) -> Result<Submitted, ApiError> {
        self.ask(|reply| Command::Replace(old, new, reply)).await
    }

    /// Cancels an open order.
    pub async fn cancel(&self, id: ClientOrderId) -> Result<Order, ApiError> {
        self.ask(|reply| Command::Cancel(id, reply)).await
    }

    /// One order.
    pub async fn get(&self, id: ClientOrderId) -> Result<Order, ApiError> {
        self.ask(|reply| Command::Get(id, reply)).await
    }

    /// Every order (or the open ones), sorted by client order id.
    pub async fn list(&self, open_only: bool) -> Result<Vec<Order>, ApiError> {
        self.ask(|reply| Command::List(open_only, reply)).await
    }

    /// Net positions.
    pub async fn positions(&self) -> Result<Vec<(Symbol, Quantity)>, ApiError> {
        self.ask(Command::Positions).await
    }

    /// Turns the kill switch on or off; returns the new state.
    pub async fn set_kill_switch(&self, on: bool) -> Result<bool, ApiError> {
        self.ask(|reply| Command::SetKillSwitch(on, reply)).await
    }

    /// Health.
    pub async fn health(&self) -> Result<HealthSnapshot, ApiError> {
        self.ask(Command::Health).await
    }

    /// Feeds one bar to the simulated venue; returns the events it produced.
    pub async fn publish_bar(&self, bar: Bar) -> Result<usize, ApiError> {
        self.ask(|reply| Command::Bar(bar, reply)).await
    }
}
