//! Kill switch: new orders are refused with FAILED_PRECONDITION and the KILL_SWITCH reason; cancels still pass.

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tonic::Code;

#[tokio::test]
async fn kill_switch_refuses_new_orders_but_allows_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    submit(&mut client, limit_buy("k-1", "1", "50"))
        .await
        .unwrap();

    let on = client
        .set_kill_switch(pb::SetKillSwitchRequest { on: true })
        .await
        .unwrap()
        .into_inner();
    assert!(on.on);
    let health = client
        .health(pb::HealthRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (health.status.as_str(), health.kill_switch),
        ("kill_switch", true)
    );

    let refused = submit(&mut client, limit_buy("k-2", "1", "50"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().starts_with("KILL_SWITCH: "),
        "{}",
        refused.message()
    );
    assert_eq!(
        refused.metadata().get("reason-code").unwrap(),
        "KILL_SWITCH"
    );

    let canceled = client
        .cancel_order(pb::CancelOrderRequest {
            client_order_id: "k-1".into(),
        })
        .await
        .expect("exits stay possible with the kill switch on");
    assert_eq!(canceled.into_inner().order.unwrap().status, "canceled");

    client
        .set_kill_switch(pb::SetKillSwitchRequest { on: false })
        .await
        .unwrap();
    submit(&mut client, limit_buy("k-2", "1", "50"))
        .await
        .expect("accepted once the switch is off");
    server.stop().await;
}

#[tokio::test]
async fn limit_rejects_carry_their_reason_code() {
    let dir = tempfile::tempdir().unwrap();
    let limits = LimitsConfig {
        max_order_quantity: Some("100".parse().unwrap()),
        ..LimitsConfig::default()
    };
    let server = TestServer::start(dir.path(), limits).await;
    let mut client = server.client().await;
    let refused = submit(&mut client, limit_buy("big", "101", "10"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().starts_with("MAX_ORDER_QUANTITY: "),
        "{}",
        refused.message()
    );
    server.stop().await;
}
