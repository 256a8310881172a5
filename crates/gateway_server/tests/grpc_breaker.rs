//! Venue outage: submits fail with UNAVAILABLE (venue unreachable), the breaker opens, and from then on new orders
//! fail fast with UNAVAILABLE and the BREAKER_OPEN reason, while the order left in flight stays unresolved (`new`).

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, limit_buy, submit};
use exec_gateway::breaker::BreakerConfig;
use exec_gateway::guard::GuardConfig;
use exec_gateway::sim::FaultConfig;
use gateway_server::pb;
use tonic::Code;

#[tokio::test]
async fn an_unreachable_venue_opens_the_breaker_and_orders_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |settings| {
        // Every request to the venue is lost.
        settings.sim.faults = FaultConfig {
            timeout_before: 1000,
            ..FaultConfig::default()
        };
        settings.guard = Some(GuardConfig {
            breaker: BreakerConfig {
                window: Duration::from_secs(60),
                min_calls: 3,
                failure_rate_percent: 50,
                cooldown: Duration::from_secs(60),
            },
            venue_orders_per_minute: 10_000,
            strategy_orders_per_minute: None,
        });
    })
    .await;
    let mut client = server.client().await;

    let first = submit(&mut client, limit_buy("out-1", "1", "10"))
        .await
        .unwrap_err();
    assert_eq!(first.code(), Code::Unavailable);
    assert_eq!(
        first.metadata().get("reason-code").unwrap(),
        "VENUE_UNAVAILABLE"
    );

    let mut reasons = Vec::new();
    for index in 2..=6 {
        let started = Instant::now();
        let status = submit(&mut client, limit_buy(&format!("out-{index}"), "1", "10"))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unavailable, "{}", status.message());
        let reason = status
            .metadata()
            .get("reason-code")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if reason == "BREAKER_OPEN" {
            assert!(
                status.message().starts_with("BREAKER_OPEN: "),
                "{}",
                status.message()
            );
            assert!(
                started.elapsed() < Duration::from_millis(500),
                "an open breaker fails fast"
            );
        }
        reasons.push(reason);
    }
    assert_eq!(reasons.last().unwrap(), "BREAKER_OPEN", "{reasons:?}");
    let health = client
        .health(pb::HealthRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(health.breaker, "open");

    let stuck = client
        .get_order(pb::GetOrderRequest {
            client_order_id: "out-1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .order
        .unwrap();
    assert_eq!(
        stuck.status, "new",
        "never acknowledged, never resent blindly"
    );
    server.stop().await;
}
