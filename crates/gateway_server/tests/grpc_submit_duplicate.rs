//! Submit, then the same intent again (the original order back, flagged duplicate), then the same id with
//! different content (ALREADY_EXISTS), and a malformed field (INVALID_ARGUMENT naming field and value).

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tonic::Code;

#[tokio::test]
async fn duplicate_submit_returns_the_original_and_different_content_is_already_exists() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;

    let first = submit(&mut client, limit_buy("dup-1", "10", "187.25"))
        .await
        .unwrap();
    assert!(!first.duplicate);
    let order = first.order.unwrap();
    assert_eq!(order.status, "accepted");
    assert!(order.venue_order_id.starts_with("sim-"));
    assert_eq!(order.intent.as_ref().unwrap().limit_price, "187.25");

    let again = submit(&mut client, limit_buy("dup-1", "10", "187.25"))
        .await
        .unwrap();
    assert!(
        again.duplicate,
        "the same intent is answered, never sent twice"
    );
    assert_eq!(again.order.unwrap(), order);

    let changed = submit(&mut client, limit_buy("dup-1", "11", "187.25"))
        .await
        .unwrap_err();
    assert_eq!(changed.code(), Code::AlreadyExists);
    assert!(changed.message().contains("dup-1"), "{}", changed.message());

    let bad = submit(&mut client, limit_buy("dup-2", "ten", "187.25"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message().contains("`intent.quantity` = \"ten\""),
        "{}",
        bad.message()
    );
    let negative = submit(&mut client, limit_buy("dup-3", "-1", "187.25"))
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);
    assert!(
        negative.message().contains("quantity"),
        "{}",
        negative.message()
    );

    let listed = client
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<_> = listed
        .orders
        .iter()
        .map(|o| o.intent.as_ref().unwrap().client_order_id.as_str())
        .collect();
    assert_eq!(ids, ["dup-1"], "refused intents leave no order behind");
    server.stop().await;
}
