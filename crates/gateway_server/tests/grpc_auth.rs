//! Auth: without the bearer token, or with a wrong one, every call is UNAUTHENTICATED and nothing happens.

mod common;

use common::{TOKEN, TestServer, client_with, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tonic::{Code, Request, Status};

fn no_token(request: Request<()>) -> Result<Request<()>, Status> {
    Ok(request)
}

fn wrong_token(mut request: Request<()>) -> Result<Request<()>, Status> {
    let wrong = format!("Bearer {}x", &TOKEN[..TOKEN.len() - 1]);
    request
        .metadata_mut()
        .insert("authorization", wrong.parse().unwrap());
    Ok(request)
}

#[tokio::test]
async fn calls_without_the_right_token_are_unauthenticated() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    for interceptor in [no_token as fn(_) -> _, wrong_token] {
        let mut client = client_with(server.running.grpc_addr, interceptor).await;
        let status = submit(&mut client, limit_buy("a-1", "1", "10"))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
        assert!(
            !status.message().contains(TOKEN),
            "the token is never echoed"
        );
        assert_eq!(
            client
                .health(pb::HealthRequest {})
                .await
                .unwrap_err()
                .code(),
            Code::Unauthenticated
        );
    }
    let mut client = server.client().await;
    let orders = client
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert!(
        orders.is_empty(),
        "an unauthenticated submit created nothing"
    );
    server.stop().await;
}
