//! StreamEvents: order and fill events in sequence, live, and resumable from any sequence (also after a restart).

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tokio_stream::StreamExt;

fn bar(close: &str) -> pb::PublishBarRequest {
    pb::PublishBarRequest {
        bar: Some(pb::Bar {
            symbol: "AAPL".into(),
            timestamp_ns: 1_700_000_000_000_000_000,
            open: "101".into(),
            high: "101".into(),
            low: close.into(),
            close: close.into(),
            volume: "1000".into(),
        }),
    }
}

async fn take(stream: &mut tonic::Streaming<pb::GatewayEvent>, n: usize) -> Vec<pb::GatewayEvent> {
    let mut events = Vec::new();
    while events.len() < n {
        events.push(stream.next().await.expect("stream open").expect("event"));
    }
    events
}

#[tokio::test]
async fn events_stream_live_and_resume_from_a_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    let mut live = client
        .stream_events(pb::StreamEventsRequest { from_sequence: 0 })
        .await
        .unwrap()
        .into_inner();

    submit(&mut client, limit_buy("s-1", "10", "100"))
        .await
        .unwrap();
    let produced = client.publish_bar(bar("99.5")).await.unwrap().into_inner();
    assert_eq!(
        produced.events, 1,
        "the limit buy fills on a bar trading through it"
    );

    let events = take(&mut live, 3).await;
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.sequence, e.kind.as_str()))
        .collect();
    assert_eq!(kinds, [(1, "submitted"), (2, "accepted"), (3, "fill")]);
    assert_eq!(events[0].intent.as_ref().unwrap().quantity, "10");
    let fill = events[2].fill.as_ref().unwrap();
    assert_eq!((fill.quantity.as_str(), fill.price.as_str()), ("10", "100"));

    let positions = client
        .get_positions(pb::GetPositionsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        positions.positions,
        [pb::Position {
            symbol: "AAPL".into(),
            quantity: "10".into()
        }]
    );

    let mut resumed = client
        .stream_events(pb::StreamEventsRequest { from_sequence: 2 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(take(&mut resumed, 2).await, events[1..]);
    drop((live, resumed, client));
    server.stop().await;

    // The sequence numbers are journal positions: the same after a restart, and new events continue them.
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    let mut after = client
        .stream_events(pb::StreamEventsRequest { from_sequence: 3 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(take(&mut after, 1).await, events[2..]);
    submit(&mut client, limit_buy("s-2", "1", "90"))
        .await
        .unwrap();
    let next = take(&mut after, 2).await;
    assert_eq!(
        (
            next[0].sequence,
            next[0].kind.as_str(),
            next[0].client_order_id.as_str()
        ),
        (4, "submitted", "s-2")
    );
    assert_eq!((next[1].sequence, next[1].kind.as_str()), (5, "accepted"));
    // A live stream does not hold up a graceful shutdown: it ends, and the server stops.
    server.stop().await;
    assert!(
        after.next().await.is_none_or(|end| end.is_err()),
        "the stream ended with the server"
    );
    drop(client);
}
