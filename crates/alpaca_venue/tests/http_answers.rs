//! `AlpacaVenue` over real HTTP on 127.0.0.1 against scripted Alpaca answers: the keys are sent, money parses
//! exactly, and each kind of failure (429 + Retry-After, 5xx, 401, a cut connection, silence) maps to the right
//! `VenueError`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use alpaca_venue::{AlpacaConfig, AlpacaVenue, Secret};
use exec_gateway::error::VenueError;
use exec_gateway::order::{ClientOrderId, OrderIntent, OrderKind, Side, Symbol, TimeInForce};
use exec_gateway::venue::Venue;

/// What the scripted server does with the one request it reads.
enum Script {
    Answer(&'static str, &'static str),
    Cut,
    Silent,
}

/// Serves one request per script entry; sends each request's head (method, path, headers) back to the test.
fn serve(scripts: Vec<Script>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for script in scripts {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            head.push_str(&String::from_utf8(body).unwrap());
            tx.send(head).unwrap();
            match script {
                Script::Answer(status, body) => {
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{}\r\n{body}",
                        body.len(),
                        if status.starts_with("429") {
                            "retry-after: 7\r\n"
                        } else {
                            ""
                        }
                    );
                    stream.write_all(reply.as_bytes()).unwrap();
                }
                Script::Cut => drop(stream),
                Script::Silent => thread::sleep(Duration::from_millis(800)),
            }
        }
    });
    (url, rx)
}

fn venue(url: &str) -> AlpacaVenue {
    let mut config = AlpacaConfig::new(url, "PKTEST", Secret::new("sekrit"));
    config.timeout = Duration::from_millis(300);
    AlpacaVenue::new(&config)
}

fn intent() -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new("s-1").unwrap(),
        symbol: Symbol::new("BTC/USD").unwrap(),
        side: Side::Buy,
        quantity: "0.125".parse().unwrap(),
        kind: OrderKind::Limit {
            limit: "40000.5".parse().unwrap(),
        },
        time_in_force: TimeInForce::Gtc,
        strategy: None,
    }
}

#[test]
fn account_sends_the_keys_and_parses_money_exactly() {
    let (url, heads) = serve(vec![Script::Answer(
        "200 OK",
        r#"{"cash":"1234.567890123","equity":"2000","buying_power":"1234.56789"}"#,
    )]);
    let account = venue(&url).account().unwrap();
    assert_eq!(account.cash.to_string(), "1234.567890123");
    assert_eq!(account.equity.to_string(), "2000");
    let head = heads.recv().unwrap().to_ascii_lowercase();
    assert!(head.starts_with("get /v2/account "), "{head}");
    assert!(head.contains("apca-api-key-id: pktest"), "{head}");
    assert!(head.contains("apca-api-secret-key: sekrit"), "{head}");
}

#[test]
fn submit_sends_alpacas_order_body_and_maps_a_duplicate_id() {
    let (url, heads) = serve(vec![
        Script::Answer(
            "200 OK",
            r#"{"id":"a1","client_order_id":"s-1","status":"accepted","created_at":"2024-01-01T00:00:00Z"}"#,
        ),
        Script::Answer(
            "422 Unprocessable Entity",
            r#"{"code":40010001,"message":"client_order_id must be unique"}"#,
        ),
    ]);
    let mut venue = venue(&url);
    assert_eq!(venue.submit(&intent()).unwrap().venue_order_id, "a1");
    let head = heads.recv().unwrap();
    let body = &head[head.find('{').unwrap()..];
    let sent: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"symbol": "BTC/USD", "qty": "0.125", "side": "buy", "type": "limit",
            "time_in_force": "gtc", "limit_price": "40000.5", "client_order_id": "s-1"})
    );
    assert_eq!(
        venue.submit(&intent()).unwrap_err(),
        VenueError::DuplicateClientOrderId(ClientOrderId::new("s-1").unwrap())
    );
}

#[test]
fn failures_map_to_retryable_and_final_errors() {
    let (url, _heads) = serve(vec![
        Script::Answer(
            "429 Too Many Requests",
            r#"{"message":"rate limit exceeded"}"#,
        ),
        Script::Answer("503 Service Unavailable", "{}"),
        Script::Answer(
            "401 Unauthorized",
            r#"{"message":"request is not authorized"}"#,
        ),
        Script::Cut,
        Script::Silent,
    ]);
    let mut venue = venue(&url);
    assert_eq!(
        venue.positions().unwrap_err(),
        VenueError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert_eq!(
        venue.positions().unwrap_err(),
        VenueError::Server { status: 503 }
    );
    let unauthorized = venue.positions().unwrap_err();
    assert!(!unauthorized.is_retryable());
    assert!(
        !unauthorized.to_string().contains("sekrit"),
        "{unauthorized}"
    );
    assert_eq!(venue.positions().unwrap_err(), VenueError::Disconnected);
    assert_eq!(venue.positions().unwrap_err(), VenueError::Timeout);
}

#[test]
fn a_lookup_of_an_unknown_order_is_none() {
    let (url, heads) = serve(vec![Script::Answer(
        "404 Not Found",
        r#"{"message":"order not found"}"#,
    )]);
    let found = venue(&url)
        .order(&ClientOrderId::new("x/1").unwrap())
        .unwrap();
    assert_eq!(found, None);
    let head = heads.recv().unwrap();
    assert!(
        head.starts_with("GET /v2/orders:by_client_order_id?client_order_id=x%2F1 "),
        "{head}"
    );
}
