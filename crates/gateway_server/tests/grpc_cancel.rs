//! Cancel: an open order ends canceled; cancelling it again or an unknown id gets the right status code.

mod common;

use common::{TestServer, limit_buy, submit};
use exec_gateway::limits::LimitsConfig;
use gateway_server::pb;
use tonic::Code;

#[tokio::test]
async fn cancel_moves_an_open_order_to_canceled() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let mut client = server.client().await;
    submit(&mut client, limit_buy("c-1", "5", "100"))
        .await
        .unwrap();

    let cancel = |id: &str| pb::CancelOrderRequest {
        client_order_id: id.into(),
    };
    let canceled = client
        .cancel_order(cancel("c-1"))
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(canceled.status, "canceled");
    let fetched = client
        .get_order(pb::GetOrderRequest {
            client_order_id: "c-1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(fetched.status, "canceled");

    let twice = client.cancel_order(cancel("c-1")).await.unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(
        twice.message().starts_with("NOT_OPEN: "),
        "{}",
        twice.message()
    );
    assert_eq!(
        client
            .cancel_order(cancel("nope"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        client.cancel_order(cancel("")).await.unwrap_err().code(),
        Code::InvalidArgument
    );

    let open = client
        .list_orders(pb::ListOrdersRequest { open_only: true })
        .await
        .unwrap()
        .into_inner();
    assert!(open.orders.is_empty());
    server.stop().await;
}
