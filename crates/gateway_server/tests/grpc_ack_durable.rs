//! Pipelined group commits never answer early: when a submit's answer arrives, the journal on disk already holds
//! the order's intent and its acknowledgement, for every order of a concurrent stream of submits (whose groups
//! overlap: one group's acknowledgements share a commit with the next group's intents).

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::journal::read_records;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::order::OrderEvent;
use exec_gateway::record::{JournalRecord, decode};

const ORDERS: usize = 64;
const IN_FLIGHT: usize = 16;

/// (has the intent, has the acknowledgement) of `id` in the journal file as it is now.
fn on_disk(path: &std::path::Path, id: &str) -> (bool, bool) {
    let mut found = (false, false);
    for payload in read_records(path).unwrap() {
        match decode(&payload).unwrap() {
            JournalRecord::Intent { intent, .. } if intent.client_order_id.as_str() == id => {
                found.0 = true;
            }
            JournalRecord::Event {
                client_order_id,
                event: OrderEvent::Accepted { .. },
            } if client_order_id.as_str() == id => found.1 = true,
            _ => {}
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_follows_the_commit_of_its_acknowledgement() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("gateway.journal");
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let client = server.client().await;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|task| {
            let (mut client, journal) = (client.clone(), journal.clone());
            tokio::spawn(async move {
                for index in (task..ORDERS).step_by(IN_FLIGHT) {
                    let id = format!("durable-{index}");
                    let answer = submit(&mut client, limit_buy(&id, "1", "100"))
                        .await
                        .unwrap();
                    assert_eq!(answer.order.unwrap().status, "accepted");
                    assert_eq!(on_disk(&journal, &id), (true, true), "{id} answered early");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    server.stop().await;
}
