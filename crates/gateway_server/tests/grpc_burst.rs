//! A burst far larger than one group commit on one HTTP/2 connection: every order is acknowledged.
//!
//! Without a per-connection stream limit the server's HTTP/2 layer buffered every pending request's small DATA
//! frame, ran out of its anti-flood budget (h2's `too_many_data_frames`) and closed the whole connection with
//! GOAWAY, failing every order in flight. With the limit, the excess waits in the client, as backpressure.

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;

const BURST: usize = 8_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_one_connection_is_queued_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let client = server.client().await;
    let tasks: Vec<_> = (0..BURST)
        .map(|index| {
            let mut client = client.clone();
            tokio::spawn(async move {
                submit(
                    &mut client,
                    limit_buy(&format!("burst-{index}"), "1", "100"),
                )
                .await
                .map(|response| response.duplicate)
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(duplicate) => assert!(!duplicate),
            Err(status) => failures.push(status),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {BURST} failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    server.stop().await;
}
