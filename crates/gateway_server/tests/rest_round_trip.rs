//! REST/JSON: submit, duplicate, get, list, positions, cancel, health, metrics and auth over real HTTP.

mod common;

use common::{TOKEN, TestServer, http};
use exec_gateway::limits::LimitsConfig;
use serde_json::Value;

const ORDER: &str = r#"{"client_order_id": "r-1", "symbol": "AAPL", "side": "buy", "quantity": "2.5",
    "order_type": "limit", "limit_price": "187.25", "time_in_force": "day"}"#;

#[tokio::test]
async fn rest_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), LimitsConfig::default()).await;
    let addr = server.running.http_addr;
    let token = Some(TOKEN);
    let json = |body: &str| serde_json::from_str::<Value>(body).unwrap();

    let (status, body) = http(addr, "POST", "/v1/orders", token, Some(ORDER)).await;
    assert_eq!(status, 201, "{body}");
    let created = json(&body);
    assert_eq!(created["duplicate"], false);
    assert_eq!(created["order"]["status"], "accepted");
    assert_eq!(created["order"]["intent"]["quantity"], "2.5");

    let (status, body) = http(addr, "POST", "/v1/orders", token, Some(ORDER)).await;
    assert_eq!(
        (status, json(&body)["duplicate"].clone()),
        (200, Value::Bool(true))
    );

    let changed = ORDER.replace("2.5", "3");
    let (status, body) = http(addr, "POST", "/v1/orders", token, Some(&changed)).await;
    assert_eq!(
        (status, json(&body)["reason"].clone()),
        (409, Value::from("ALREADY_EXISTS"))
    );

    let float_money = ORDER.replace("\"2.5\"", "2.5");
    let (status, body) = http(addr, "POST", "/v1/orders", token, Some(&float_money)).await;
    assert_eq!(status, 400, "a JSON number is never taken as money: {body}");

    let (status, body) = http(addr, "GET", "/v1/orders/r-1", token, None).await;
    assert_eq!(
        (status, json(&body)["intent"]["limit_price"].clone()),
        (200, Value::from("187.25"))
    );
    let (status, _) = http(addr, "GET", "/v1/orders/missing", token, None).await;
    assert_eq!(status, 404);

    let (status, body) = http(addr, "GET", "/v1/orders?open_only=true", token, None).await;
    assert_eq!(
        (status, json(&body)["orders"].as_array().unwrap().len()),
        (200, 1)
    );

    let (status, body) = http(addr, "GET", "/v1/positions", token, None).await;
    assert_eq!(
        (status, json(&body)["positions"].clone()),
        (200, Value::Array(vec![]))
    );

    let (status, body) = http(addr, "DELETE", "/v1/orders/r-1", token, None).await;
    assert_eq!(
        (status, json(&body)["status"].clone()),
        (200, Value::from("canceled"))
    );

    let (status, body) = http(addr, "GET", "/health", None, None).await;
    assert_eq!(
        (status, json(&body)["status"].clone()),
        (200, Value::from("serving"))
    );

    let (status, body) = http(addr, "GET", "/metrics", token, None).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("trader_gateway_orders_submitted_total 1"),
        "{body}"
    );
    assert!(
        body.contains("trader_gateway_orders_duplicate_total 1"),
        "{body}"
    );
    assert!(
        body.contains("trader_gateway_orders_canceled_total 1"),
        "{body}"
    );

    for (method, path) in [
        ("GET", "/v1/orders"),
        ("POST", "/v1/orders"),
        ("GET", "/metrics"),
    ] {
        let (status, body) = http(addr, method, path, None, Some(ORDER)).await;
        assert_eq!(
            (status, json(&body)["reason"].clone()),
            (401, Value::from("UNAUTHENTICATED")),
            "{path}"
        );
    }
    server.stop().await;
}
