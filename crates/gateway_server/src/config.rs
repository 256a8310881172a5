//! The `trader-gateway --config FILE` settings (TOML): listen addresses, token, journal, venue, limits, guard.
//!
//! Every key is checked: unknown keys, bad values and missing files are errors naming the file, the key and the
//! value. Relative paths are relative to the config file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use exec_gateway::breaker::BreakerConfig;
use exec_gateway::fees::FeeModel;
use exec_gateway::guard::GuardConfig;
use exec_gateway::instrument::Instrument;
use exec_gateway::journal::SyncPolicy;
use exec_gateway::limits::LimitsConfig;
use exec_gateway::money::{Price, Quantity};
use exec_gateway::sim::{FaultConfig, SimConfig};
use serde::Deserialize;

use crate::alpaca_config::{AlpacaSettings, RawAlpaca, alpaca_settings};
use crate::auth::Token;

/// Environment variable holding the bearer token when the config names no `token_file`.
pub const TOKEN_ENV: &str = "TRADER_GATEWAY_TOKEN";

/// A config that cannot be used; each says which file, key and value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file (config or token file) cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The TOML does not parse or a key has the wrong type or is unknown (the message has line and key).
    #[error("{path}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// The parser's message, with line, column and key.
        message: String,
    },
    /// A key parses but its value cannot be used.
    #[error("{path}: key `{key}` = {value}: {why}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The value.
        value: String,
        /// What is wrong.
        why: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    journal: RawJournal,
    venue: RawVenue,
    #[serde(default)]
    limits: LimitsConfig,
    guard: Option<RawGuard>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawServer {
    grpc_listen: SocketAddr,
    http_listen: SocketAddr,
    token_file: Option<PathBuf>,
}

impl Default for RawServer {
    fn default() -> Self {
        Self {
            grpc_listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token_file: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawSync {
    Fsync,
    OsBuffer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJournal {
    path: PathBuf,
    #[serde(default = "default_sync")]
    sync: RawSync,
}

fn default_sync() -> RawSync {
    RawSync::Fsync
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum VenueKind {
    Sim,
    Alpaca,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVenue {
    kind: VenueKind,
    #[serde(default)]
    instruments: Vec<Instrument>,
    #[serde(default)]
    slippage_bps: u32,
    volume_share: Option<Price>,
    quantity_increment: Option<Quantity>,
    #[serde(default)]
    fees: FeeModel,
    #[serde(default)]
    latency_bars: u32,
    #[serde(default)]
    faults: RawFaults,
    #[serde(default)]
    seed: u64,
    /// Where the simulated venue keeps its orders across restarts; default: the journal path + `.venue`.
    state_path: Option<PathBuf>,
    // Alpaca (kind = "alpaca"), checked in `alpaca_config`.
    base_url: Option<String>,
    key_id: Option<String>,
    key_id_env: Option<String>,
    secret_file: Option<PathBuf>,
    secret_env: Option<String>,
    timeout_ms: Option<u64>,
    poll_interval_ms: Option<u64>,
    reconcile_interval_ms: Option<u64>,
    trade_updates: Option<bool>,
    crypto_fee_bps: Option<u32>,
}

/// Fault injection of the simulated venue, in parts per thousand (chaos testing only).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawFaults {
    reject: u16,
    timeout_before: u16,
    timeout_after: u16,
    disconnect: u16,
    duplicate_ack: u16,
    late_events: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawGuard {
    venue_orders_per_minute: u32,
    strategy_orders_per_minute: Option<u32>,
    breaker_window_secs: u64,
    breaker_min_calls: u32,
    breaker_failure_rate_percent: u32,
    breaker_cooldown_secs: u64,
}

impl Default for RawGuard {
    fn default() -> Self {
        let breaker = BreakerConfig::default();
        Self {
            venue_orders_per_minute: GuardConfig::default().venue_orders_per_minute,
            strategy_orders_per_minute: None,
            breaker_window_secs: breaker.window.as_secs(),
            breaker_min_calls: breaker.min_calls,
            breaker_failure_rate_percent: breaker.failure_rate_percent,
            breaker_cooldown_secs: breaker.cooldown.as_secs(),
        }
    }
}

/// The settings the server runs with.
#[derive(Debug)]
pub struct Settings {
    /// gRPC listen address (port 0: any free port).
    pub grpc_listen: SocketAddr,
    /// REST listen address (port 0: any free port).
    pub http_listen: SocketAddr,
    /// The bearer token.
    pub token: Token,
    /// The journal file.
    pub journal: PathBuf,
    /// Journal durability.
    pub sync: SyncPolicy,
    /// Kill switch and other hard limits.
    pub limits: LimitsConfig,
    /// Instrument specs.
    pub instruments: Vec<Instrument>,
    /// Breaker and rate limits (`None`: off).
    pub guard: Option<GuardConfig>,
    /// The simulated venue.
    pub sim: SimConfig,
    /// The simulated venue's state file (see `durable_venue`).
    pub venue_state: PathBuf,
    /// Alpaca instead of the simulator (`[venue] kind = "alpaca"`).
    pub alpaca: Option<AlpacaSettings>,
}

impl Settings {
    /// Loads and checks `path`. The token comes from `token_file` or, when that is absent, `env_token`.
    pub fn load(path: &Path, env_token: Option<String>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text, env_token)
    }

    /// Parses config `text` read from `path`; other variables (Alpaca keys) come from the process environment.
    pub fn parse(path: &Path, text: &str, env_token: Option<String>) -> Result<Self, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        Self::parse_with_env(path, text, env_token, &env)
    }

    /// Parses config `text` read from `path`, looking environment variables up with `env`.
    pub fn parse_with_env(
        path: &Path,
        text: &str,
        env_token: Option<String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().replace('\n', " | "),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let invalid = |key: &str, value: String, why: String| ConfigError::Invalid {
            path: path.to_owned(),
            key: key.to_owned(),
            value,
            why,
        };
        let token = match &raw.server.token_file {
            Some(file) => {
                let file = base.join(file);
                let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
                    path: file.clone(),
                    source,
                })?;
                Token::new(&text)
                    .map_err(|why| invalid("server.token_file", format!("{file:?}"), why))?
            }
            None => {
                let text = env_token.ok_or_else(|| {
                    invalid(
                        "server.token_file",
                        "(absent)".into(),
                        format!("no token: set server.token_file or the {TOKEN_ENV} environment variable"),
                    )
                })?;
                Token::new(&text).map_err(|why| {
                    invalid("server.token_file", format!("(env {TOKEN_ENV})"), why)
                })?
            }
        };
        for (index, instrument) in raw.venue.instruments.iter().enumerate() {
            instrument.validate().map_err(|e| {
                invalid(
                    &format!("venue.instruments[{index}]"),
                    instrument.symbol.to_string(),
                    e.to_string(),
                )
            })?;
        }
        if let Some(share) = raw.venue.volume_share
            && (!share.is_positive() || share > Price::ONE)
        {
            return Err(invalid(
                "venue.volume_share",
                share.to_string(),
                "must be in (0, 1]".into(),
            ));
        }
        let guard = raw.guard.map(|g| GuardConfig {
            breaker: BreakerConfig {
                window: Duration::from_secs(g.breaker_window_secs),
                min_calls: g.breaker_min_calls,
                failure_rate_percent: g.breaker_failure_rate_percent,
                cooldown: Duration::from_secs(g.breaker_cooldown_secs),
            },
            venue_orders_per_minute: g.venue_orders_per_minute,
            strategy_orders_per_minute: g.strategy_orders_per_minute,
        });
        if let Some(g) = &guard
            && g.breaker.failure_rate_percent > 100
        {
            return Err(invalid(
                "guard.breaker_failure_rate_percent",
                g.breaker.failure_rate_percent.to_string(),
                "must be at most 100".into(),
            ));
        }
        let raw_alpaca = RawAlpaca {
            base_url: raw.venue.base_url,
            key_id: raw.venue.key_id,
            key_id_env: raw.venue.key_id_env,
            secret_file: raw.venue.secret_file,
            secret_env: raw.venue.secret_env,
            timeout_ms: raw.venue.timeout_ms,
            poll_interval_ms: raw.venue.poll_interval_ms,
            reconcile_interval_ms: raw.venue.reconcile_interval_ms,
            trade_updates: raw.venue.trade_updates,
            crypto_fee_bps: raw.venue.crypto_fee_bps,
        };
        let alpaca = match raw.venue.kind {
            VenueKind::Sim if raw_alpaca.any_set() => {
                return Err(invalid(
                    "venue.kind",
                    "\"sim\"".into(),
                    "Alpaca keys (base_url, key_id, secret_*, ...) need kind = \"alpaca\"".into(),
                ));
            }
            VenueKind::Sim => None,
            VenueKind::Alpaca => Some(
                alpaca_settings(raw_alpaca, base, env)
                    .map_err(|(key, value, why)| invalid(&key, value, why))?,
            ),
        };
        let faults = raw.venue.faults;
        let sim = SimConfig {
            slippage_bps: raw.venue.slippage_bps,
            volume_share: raw.venue.volume_share,
            quantity_increment: raw.venue.quantity_increment.unwrap_or(Quantity::ONE),
            fees: raw.venue.fees,
            faults: FaultConfig {
                seed: raw.venue.seed,
                reject: faults.reject,
                timeout_before: faults.timeout_before,
                timeout_after: faults.timeout_after,
                disconnect: faults.disconnect,
                duplicate_ack: faults.duplicate_ack,
                late_events: faults.late_events,
            },
            latency_bars: raw.venue.latency_bars,
        };
        let journal = base.join(raw.journal.path);
        let venue_state = match raw.venue.state_path {
            Some(state) => base.join(state),
            None => {
                let mut state = journal.clone().into_os_string();
                state.push(".venue");
                PathBuf::from(state)
            }
        };
        Ok(Self {
            grpc_listen: raw.server.grpc_listen,
            http_listen: raw.server.http_listen,
            token,
            journal,
            venue_state,
            sync: match raw.journal.sync {
                RawSync::Fsync => SyncPolicy::Fsync,
                RawSync::OsBuffer => SyncPolicy::OsBuffer,
            },
            limits: raw.limits,
            instruments: raw.venue.instruments,
            guard,
            sim,
            alpaca,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef-token";

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(
            Path::new("/etc/trader/gateway.toml"),
            text,
            Some(TOKEN.into()),
        )
    }

    const MINIMAL: &str = "[journal]\npath = \"gateway.journal\"\n[venue]\nkind = \"sim\"\n";

    #[test]
    fn minimal_config_binds_loopback_and_resolves_paths_next_to_the_file() {
        let settings = parse(MINIMAL).unwrap();
        assert!(settings.grpc_listen.ip().is_loopback());
        assert!(settings.http_listen.ip().is_loopback());
        assert_eq!(settings.journal, Path::new("/etc/trader/gateway.journal"));
        assert_eq!(
            settings.venue_state,
            Path::new("/etc/trader/gateway.journal.venue")
        );
        assert_eq!(settings.sync, SyncPolicy::Fsync);
        assert!(settings.guard.is_none());
    }

    #[test]
    fn full_config_parses_limits_instruments_and_guard() {
        let text = format!(
            "{MINIMAL}slippage_bps = 5\n[[venue.instruments]]\nsymbol = \"AAPL\"\nasset_class = \"us_equity\"\n\
             tick_size = \"0.01\"\nlot_size = \"1\"\nmin_quantity = \"1\"\nmin_notional = \"0\"\nfractionable = false\n\
             [limits]\nkill_switch = true\nmax_order_quantity = \"100\"\nallowed_symbols = [\"AAPL\"]\n\
             [guard]\nvenue_orders_per_minute = 50\n"
        );
        let settings = parse(&text).unwrap();
        assert!(settings.limits.kill_switch);
        assert_eq!(
            settings.limits.max_order_quantity,
            Some(Quantity::from_units(100))
        );
        assert_eq!(settings.instruments.len(), 1);
        assert_eq!(settings.sim.slippage_bps, 5);
        assert_eq!(settings.guard.unwrap().venue_orders_per_minute, 50);
    }

    #[test]
    fn errors_name_file_key_and_value() {
        let message = |text: &str| parse(text).unwrap_err().to_string();
        let unknown = message(&format!("{MINIMAL}[limits]\nmax_notional = \"5\"\n"));
        assert!(
            unknown.starts_with("/etc/trader/gateway.toml: "),
            "{unknown}"
        );
        assert!(
            unknown.contains("unknown field `max_notional`"),
            "{unknown}"
        );
        let money = message(&format!(
            "{MINIMAL}[limits]\nmax_order_notional = \"5e3\"\n"
        ));
        assert!(
            money.contains("max_order_notional") && money.contains("5e3"),
            "{money}"
        );
        let venue = message("[journal]\npath = \"j\"\n[venue]\nkind = \"alpaca\"\n");
        assert!(
            venue.contains("kind") && venue.contains("alpaca"),
            "{venue}"
        );
        let addr = message(&format!("[server]\ngrpc_listen = \"localhost\"\n{MINIMAL}"));
        assert!(
            addr.contains("grpc_listen") && addr.contains("localhost"),
            "{addr}"
        );
        let share = message(&format!("{MINIMAL}volume_share = \"1.5\"\n"));
        assert_eq!(
            share,
            "/etc/trader/gateway.toml: key `venue.volume_share` = 1.5: must be in (0, 1]"
        );
    }

    #[test]
    fn the_shipped_example_config_is_valid() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/gateway.example.toml"));
        let settings = Settings::load(path, Some(TOKEN.into())).unwrap();
        assert_eq!(settings.grpc_listen.port(), 50051);
        assert_eq!(settings.limits.max_open_orders, Some(100));
        assert_eq!(settings.instruments[0].symbol.as_str(), "AAPL");
        assert_eq!(settings.sim.fees, FeeModel::Bps { bps: 1 });
        assert!(settings.guard.is_some());
    }

    #[test]
    fn a_missing_or_weak_token_is_refused() {
        let none = Settings::parse(Path::new("g.toml"), MINIMAL, None)
            .unwrap_err()
            .to_string();
        assert!(none.contains("TRADER_GATEWAY_TOKEN"), "{none}");
        let weak = Settings::parse(Path::new("g.toml"), MINIMAL, Some("abc".into()))
            .unwrap_err()
            .to_string();
        assert!(weak.contains("at least 16"), "{weak}");
        assert!(!weak.contains("abc"), "the token is never printed: {weak}");
    }
}
