//! The command line of `gateway-load`: what to drive, how hard and for how long.

use std::time::Duration;

use crate::error::LoadError;

/// The usage text.
pub const USAGE: &str = "usage: gateway-load --target HOST:PORT [--mode open|closed] [--rate ORDERS_PER_S] \
[--duration SECS] [--warmup SECS] [--connections N] [--concurrency N] [--threads N] [--prefix ID_PREFIX] [--json]
  open   (default): send --rate orders/s on a fixed schedule, whatever the responses do; latency counts from each
                    order's scheduled send time, so queueing anywhere (client included) is in the numbers.
  closed          : --concurrency tasks each submit, wait for the answer, submit again: the maximum throughput.
  The bearer token comes from $TRADER_GATEWAY_TOKEN.";

/// Open loop (fixed offered rate) or closed loop (fixed concurrency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Requests issued on a fixed schedule.
    Open,
    /// A fixed number of requests in flight.
    Closed,
}

/// Everything a run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `host:port` of the gateway's gRPC listener.
    pub target: String,
    /// Open or closed loop.
    pub mode: Mode,
    /// Offered orders per second (open loop).
    pub rate: u64,
    /// How long the measured part runs.
    pub duration: Duration,
    /// How long to run the same load first, unmeasured (connections, allocator, page cache warm up).
    pub warmup: Duration,
    /// HTTP/2 connections, used round-robin. One (the default, like one strategy node's channel) costs the
    /// least CPU per order: requests and the answers of a group commit share socket reads and writes.
    pub connections: usize,
    /// Requests in flight (closed loop).
    pub concurrency: usize,
    /// Worker threads of the client's async runtime.
    pub threads: usize,
    /// Client order ids are `{prefix}-{n}`; a fresh prefix per run keeps them new to the gateway.
    pub prefix: String,
    /// Print one JSON object instead of text.
    pub json: bool,
}

impl Options {
    fn defaults(prefix: String) -> Self {
        Self {
            target: String::new(),
            mode: Mode::Open,
            rate: 20_000,
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            connections: 1,
            concurrency: 64,
            threads: 1,
            prefix,
            json: false,
        }
    }

    /// Parses the arguments after the program name; `default_prefix` is used unless `--prefix` is given.
    /// `Ok(None)` means help was asked for.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        default_prefix: String,
    ) -> Result<Option<Self>, LoadError> {
        let mut options = Self::defaults(default_prefix);
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| LoadError::Usage(format!("{flag} needs a value")))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--json" => options.json = true,
                "--target" => options.target = value()?,
                "--prefix" => options.prefix = nonempty("--prefix", value()?)?,
                "--mode" => {
                    options.mode = match value()?.as_str() {
                        "open" => Mode::Open,
                        "closed" => Mode::Closed,
                        other => return Err(bad("--mode", other, "expected `open` or `closed`")),
                    }
                }
                "--rate" => options.rate = positive("--rate", &value()?)?,
                "--duration" => options.duration = seconds("--duration", &value()?, false)?,
                "--warmup" => options.warmup = seconds("--warmup", &value()?, true)?,
                "--connections" => options.connections = positive("--connections", &value()?)?,
                "--concurrency" => options.concurrency = positive("--concurrency", &value()?)?,
                "--threads" => options.threads = positive("--threads", &value()?)?,
                other => return Err(LoadError::Usage(format!("unknown argument `{other}`"))),
            }
        }
        if options.target.is_empty() {
            return Err(LoadError::Usage("--target HOST:PORT is required".into()));
        }
        Ok(Some(options))
    }
}

fn bad(flag: &'static str, value: &str, why: &str) -> LoadError {
    LoadError::BadValue {
        flag,
        value: value.to_owned(),
        why: why.to_owned(),
    }
}

fn nonempty(flag: &'static str, value: String) -> Result<String, LoadError> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(bad(flag, &value, "expected 1 to 64 letters, digits or `-`"));
    }
    Ok(value)
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    flag: &'static str,
    value: &str,
) -> Result<T, LoadError> {
    match value.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(bad(flag, value, "expected a positive whole number")),
    }
}

fn seconds(flag: &'static str, value: &str, zero_ok: bool) -> Result<Duration, LoadError> {
    let parsed = value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3_600.0);
    match parsed {
        Some(secs) if zero_ok || secs > 0.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(bad(
            flag,
            value,
            if zero_ok {
                "expected seconds between 0 and 3600"
            } else {
                "expected seconds above 0, at most 3600"
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, LoadError> {
        Options::parse(args.iter().map(|s| (*s).to_owned()), "p".into())
    }

    #[test]
    fn defaults_and_flags() {
        let options = parse(&["--target", "127.0.0.1:5"]).unwrap().unwrap();
        assert_eq!(
            (options.mode, options.rate, options.connections),
            (Mode::Open, 20_000, 1)
        );
        assert_eq!(options.duration, Duration::from_secs(10));
        let options = parse(&[
            "--target",
            "h:1",
            "--mode",
            "closed",
            "--concurrency",
            "8",
            "--duration",
            "0.5",
            "--warmup",
            "0",
            "--prefix",
            "run-1",
            "--json",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (options.mode, options.concurrency, options.json),
            (Mode::Closed, 8, true)
        );
        assert_eq!(
            (options.duration, options.warmup),
            (Duration::from_millis(500), Duration::ZERO)
        );
        assert_eq!(options.prefix, "run-1");
        assert_eq!(parse(&["--help"]).unwrap(), None);
    }

    #[test]
    fn bad_input_names_the_flag_and_value() {
        let message = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert_eq!(
            message(&["--target", "h:1", "--rate", "0"]),
            "--rate `0`: expected a positive whole number"
        );
        assert_eq!(
            message(&["--target", "h:1", "--rate", "fast"]),
            "--rate `fast`: expected a positive whole number"
        );
        assert_eq!(
            message(&["--target", "h:1", "--mode", "half"]),
            "--mode `half`: expected `open` or `closed`"
        );
        assert_eq!(
            message(&["--target", "h:1", "--duration", "0"]),
            "--duration `0`: expected seconds above 0, at most 3600"
        );
        assert_eq!(
            message(&["--target", "h:1", "--prefix", "a b"]),
            "--prefix `a b`: expected 1 to 64 letters, digits or `-`"
        );
        assert_eq!(message(&["--rate", "5"]), "--target HOST:PORT is required");
        assert_eq!(message(&["--target"]), "--target needs a value");
        assert_eq!(
            message(&["--target", "h:1", "--fast"]),
            "unknown argument `--fast`"
        );
    }
}
