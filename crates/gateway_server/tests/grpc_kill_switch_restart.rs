//! The kill switch survives a restart: engaged through the API, it is still engaged (and refusing) afterwards;
//! disengaged, it stays off unless the config itself engages it.

mod common;

use common::{Client, TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tonic::Code;

async fn switch(client: &mut Client, on: bool) -> bool {
    client
        .set_kill_switch(pb::SetKillSwitchRequest { on })
        .await
        .unwrap()
        .into_inner()
        .on
}

async fn engaged(client: &mut Client) -> bool {
    client
        .health(pb::HealthRequest {})
        .await
        .unwrap()
        .into_inner()
        .kill_switch
}

#[tokio::test]
async fn an_engaged_kill_switch_stays_engaged_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    assert!(switch(&mut client, true).await);
    server.stop().await;

    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    assert!(engaged(&mut client).await, "restart must not disengage it");
    let refused = submit(&mut client, limit_buy("after-restart", "1", "50"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(!switch(&mut client, false).await);
    server.stop().await;

    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    assert!(!engaged(&mut client).await, "disengaged stays disengaged");
    submit(&mut client, limit_buy("allowed", "1", "50"))
        .await
        .unwrap();
    server.stop().await;

    let limits = LimitsConfig {
        kill_switch: true,
        ..LimitsConfig::default()
    };
    let server = TestServer::start(dir.path(), limits).await;
    let mut client = server.client().await;
    assert!(
        engaged(&mut client).await,
        "the config engages it whatever the file says"
    );
    server.stop().await;
}
