//! The trade_updates websocket, read on a background thread: every order update Alpaca pushes is queued for the
//! venue's next `poll_events`, so a fill or a cancel is known in one event tick instead of one poll interval.
//!
//! The stream only says *which order changed and its state now*; the executions themselves are still read from
//! the FILL activities, whose ids are stable across restarts, so an execution seen by both paths is applied once.
//! Updates sent while the socket is down are lost, which is why every (re)connection starts a new epoch and the
//! venue polls in full once per epoch before trusting the stream again.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::config::AlpacaConfig;
use crate::wire::WireOrder;

/// How long a blocking read waits before the thread looks at its stop flag.
const READ_TIMEOUT: Duration = Duration::from_millis(200);
/// First wait before reconnecting; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the reader thread and the venue share.
#[derive(Debug, Default)]
struct Shared {
    /// Order states pushed since the venue last took them, oldest first.
    pending: Mutex<Vec<WireOrder>>,
    /// Listening on trade_updates right now.
    listening: AtomicBool,
    /// Incremented on every successful (re)subscription: updates before it may have been missed.
    epoch: AtomicU64,
    stop: AtomicBool,
}

/// Where the stream stands, as the venue reads it at the start of an event tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamState {
    /// Subscribed and reading now.
    pub listening: bool,
    /// The subscription's number (see the module docs).
    pub epoch: u64,
}

/// The running trade_updates reader. Dropping it stops the thread (within a read timeout).
#[derive(Debug)]
pub struct TradeUpdates {
    shared: Arc<Shared>,
}

#[derive(Deserialize)]
struct Frame {
    stream: String,
    #[serde(default)]
    data: serde_json::Value,
}

#[derive(Deserialize)]
struct Update {
    order: WireOrder,
}

/// Why a connection ended: the reader reconnects after either, but says so once on stderr.
#[derive(Debug)]
enum Ended {
    /// Socket, TLS or protocol failure (the message names no secret: it comes from the transport).
    Transport(String),
    /// Alpaca refused the keys or the subscription.
    Refused(String),
}

impl TradeUpdates {
    /// Starts reading `url` (ws:// or wss://) with `config`'s keys on a thread of its own.
    pub fn spawn(url: String, config: &AlpacaConfig) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let reader = Arc::clone(&shared);
        let auth = serde_json::json!({
            "action": "authenticate",
            "data": {"key_id": config.key_id, "secret_key": config.secret.expose()},
        })
        .to_string();
        thread::Builder::new()
            .name("alpaca-trade-updates".into())
            .spawn(move || run(&url, &auth, &reader))?;
        Ok(Self { shared })
    }

    /// Subscribed or not, and the current epoch.
    pub fn state(&self) -> StreamState {
        StreamState {
            listening: self.shared.listening.load(Ordering::Acquire),
            epoch: self.shared.epoch.load(Ordering::Acquire),
        }
    }

    /// The order states pushed since the last call, oldest first.
    pub fn take(&self) -> Vec<WireOrder> {
        std::mem::take(&mut *lock(&self.shared.pending))
    }
}

impl Drop for TradeUpdates {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

fn lock(pending: &Mutex<Vec<WireOrder>>) -> std::sync::MutexGuard<'_, Vec<WireOrder>> {
    // A panic while holding the lock can only have been in Vec::push/take: the vector is still whole.
    pending
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Connect, read until the connection ends, wait, reconnect; until the venue is dropped.
fn run(url: &str, auth: &str, shared: &Shared) {
    let mut backoff = FIRST_BACKOFF;
    let mut last_complaint = String::new();
    while !shared.stop.load(Ordering::Acquire) {
        let ended = session(url, auth, shared, &mut backoff);
        shared.listening.store(false, Ordering::Release);
        let complaint = match &ended {
            Ended::Transport(why) => {
                format!("trade_updates stream lost ({why}); polling until it is back")
            }
            Ended::Refused(why) => format!("trade_updates stream refused: {why}; polling instead"),
        };
        if complaint != last_complaint && !shared.stop.load(Ordering::Acquire) {
            eprintln!("alpaca_venue: {complaint}");
            last_complaint = complaint;
        }
        sleep_unless_stopped(backoff, shared);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn sleep_unless_stopped(total: Duration, shared: &Shared) {
    let mut left = total;
    while !left.is_zero() && !shared.stop.load(Ordering::Acquire) {
        let step = left.min(READ_TIMEOUT);
        thread::sleep(step);
        left -= step;
    }
}

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// One connection: authenticate, listen to trade_updates, queue every update until the socket ends.
fn session(url: &str, auth: &str, shared: &Shared, backoff: &mut Duration) -> Ended {
    let mut socket = match tungstenite::connect(url) {
        Ok((socket, _)) => socket,
        Err(e) => return Ended::Transport(e.to_string()),
    };
    if let Err(e) = set_read_timeout(&socket) {
        return Ended::Transport(e.to_string());
    }
    if let Err(ended) = subscribe(&mut socket, auth, shared) {
        return ended;
    }
    *backoff = FIRST_BACKOFF;
    shared.epoch.fetch_add(1, Ordering::AcqRel);
    shared.listening.store(true, Ordering::Release);
    loop {
        match next_frame(&mut socket, shared) {
            Ok(Some(frame)) if frame.stream == "trade_updates" => {
                match serde_json::from_value::<Update>(frame.data) {
                    Ok(update) => lock(&shared.pending).push(update.order),
                    // An update we cannot read is a missed update: end the epoch so the venue polls in full.
                    Err(e) => return Ended::Transport(format!("unreadable trade update: {e}")),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ended::Transport("stopped".into()),
            Err(ended) => return ended,
        }
    }
}

fn set_read_timeout(socket: &Socket) -> std::io::Result<()> {
    let tcp = match socket.get_ref() {
        MaybeTlsStream::Plain(tcp) => tcp,
        MaybeTlsStream::Rustls(tls) => tls.get_ref(),
        _ => return Ok(()),
    };
    tcp.set_read_timeout(Some(READ_TIMEOUT))
}

/// Sends the keys and the listen request; returns once Alpaca confirms both.
fn subscribe(socket: &mut Socket, auth: &str, shared: &Shared) -> Result<(), Ended> {
    let send = |socket: &mut Socket, text: &str| {
        socket
            .send(Message::text(text))
            .map_err(|e| Ended::Transport(e.to_string()))
    };
    send(socket, auth)?;
    let reply = expect(socket, shared, "authorization")?;
    if reply.get("status").and_then(serde_json::Value::as_str) != Some("authorized") {
        return Err(Ended::Refused(format!(
            "authentication answered {}",
            reply.get("status").unwrap_or(&serde_json::Value::Null)
        )));
    }
    send(
        socket,
        r#"{"action":"listen","data":{"streams":["trade_updates"]}}"#,
    )?;
    let reply = expect(socket, shared, "listening")?;
    let streams = reply.get("streams").and_then(serde_json::Value::as_array);
    if !streams.is_some_and(|s| s.iter().any(|s| s == "trade_updates")) {
        return Err(Ended::Refused(
            "trade_updates not among the streams listened to".into(),
        ));
    }
    Ok(())
}

/// The data of the next frame, which must be on `stream`.
fn expect(socket: &mut Socket, shared: &Shared, stream: &str) -> Result<serde_json::Value, Ended> {
    match next_frame(socket, shared)? {
        Some(frame) if frame.stream == stream => Ok(frame.data),
        Some(frame) => Err(Ended::Transport(format!(
            "expected the {stream} message, got one on {}",
            frame.stream
        ))),
        None => Err(Ended::Transport("stopped".into())),
    }
}

/// The next JSON frame (Alpaca sends binary frames; text is accepted too); None once the venue is dropped.
fn next_frame(socket: &mut Socket, shared: &Shared) -> Result<Option<Frame>, Ended> {
    loop {
        if shared.stop.load(Ordering::Acquire) {
            let _ = socket.close(None);
            return Ok(None);
        }
        let bytes = match socket.read() {
            Ok(Message::Binary(bytes)) => bytes,
            Ok(Message::Text(text)) => text.as_bytes().to_vec().into(),
            Ok(Message::Close(_)) => return Err(Ended::Transport("closed by Alpaca".into())),
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                continue;
            }
            Err(e) => return Err(Ended::Transport(e.to_string())),
        };
        return serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Ended::Transport(format!("unreadable frame: {e}")));
    }
}
