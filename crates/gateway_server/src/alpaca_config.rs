//! The `[venue] kind = "alpaca"` settings: base URL, key id and secret (from environment variables or files),
//! timeout, trade_updates stream, poll intervals and crypto fee. Errors name the key and where the secret should come from, never it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alpaca_venue::{AlpacaConfig, Secret};

/// Default environment variable of the key id (alpaca-py's name).
pub const KEY_ID_ENV: &str = "APCA_API_KEY_ID";
/// Default environment variable of the secret key (alpaca-py's name).
pub const SECRET_ENV: &str = "APCA_API_SECRET_KEY";

/// The Alpaca keys of `[venue]` as read from the TOML (all optional there; checked here).
#[derive(Debug, Default)]
pub struct RawAlpaca {
    /// `venue.base_url`.
    pub base_url: Option<String>,
    /// `venue.key_id` (the key id itself; not a secret).
    pub key_id: Option<String>,
    /// `venue.key_id_env`: the variable holding the key id.
    pub key_id_env: Option<String>,
    /// `venue.secret_file`: a file holding the secret key.
    pub secret_file: Option<PathBuf>,
    /// `venue.secret_env`: the variable holding the secret key.
    pub secret_env: Option<String>,
    /// `venue.timeout_ms`.
    pub timeout_ms: Option<u64>,
    /// `venue.poll_interval_ms`.
    pub poll_interval_ms: Option<u64>,
    /// `venue.reconcile_interval_ms`.
    pub reconcile_interval_ms: Option<u64>,
    /// `venue.trade_updates`.
    pub trade_updates: Option<bool>,
    /// `venue.crypto_fee_bps`.
    pub crypto_fee_bps: Option<u32>,
}

impl RawAlpaca {
    /// True when any Alpaca key is present (a mistake with `kind = "sim"`).
    pub fn any_set(&self) -> bool {
        self.base_url.is_some()
            || self.key_id.is_some()
            || self.key_id_env.is_some()
            || self.secret_file.is_some()
            || self.secret_env.is_some()
            || self.timeout_ms.is_some()
            || self.poll_interval_ms.is_some()
            || self.reconcile_interval_ms.is_some()
            || self.trade_updates.is_some()
            || self.crypto_fee_bps.is_some()
    }
}

/// The Alpaca venue the server runs.
#[derive(Debug, Clone)]
pub struct AlpacaSettings {
    /// Where and how to reach Alpaca.
    pub config: AlpacaConfig,
    /// How often the server lets the venue look for order events: the poll interval without the stream, a
    /// short tick with it (a tick costs no request unless the stream pushed something or a poll is due).
    pub tick: Duration,
}

/// The event tick while the trade_updates stream is on: how late a pushed fill may reach the gateway.
const STREAM_TICK: Duration = Duration::from_millis(20);

fn positive_ms(key: &str, value: Option<u64>, default: u64) -> Result<Duration, Invalid> {
    match value.unwrap_or(default) {
        0 => Err(invalid(key, "0", "must be positive")),
        ms => Ok(Duration::from_millis(ms)),
    }
}

/// An unusable Alpaca setting: (dotted key, shown value, why). The shown value is never a secret.
pub type Invalid = (String, String, String);

fn invalid(key: &str, value: impl Into<String>, why: impl Into<String>) -> Invalid {
    (key.to_owned(), value.into(), why.into())
}

/// Builds the Alpaca settings; `env` looks up environment variables, `base` resolves `secret_file`.
pub fn alpaca_settings(
    raw: RawAlpaca,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AlpacaSettings, Invalid> {
    let base_url = raw.base_url.ok_or_else(|| {
        invalid(
            "venue.base_url",
            "(absent)",
            "required for kind = \"alpaca\"",
        )
    })?;
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(invalid(
            "venue.base_url",
            base_url,
            "must start with https:// (or http:// for a local fake)",
        ));
    }
    let key_id = match (raw.key_id, raw.key_id_env) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "venue.key_id",
                "(both key_id and key_id_env)",
                "give one of them",
            ));
        }
        (Some(key_id), None) => key_id,
        (None, name) => {
            let name = name.unwrap_or_else(|| KEY_ID_ENV.to_owned());
            env(&name).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                invalid(
                    "venue.key_id_env",
                    format!("(env {name})"),
                    format!("set the {name} environment variable"),
                )
            })?
        }
    };
    let secret = match (raw.secret_file, raw.secret_env) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "venue.secret_file",
                "(both secret_file and secret_env)",
                "give one of them",
            ));
        }
        (Some(file), None) => {
            let file = base.join(file);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                invalid(
                    "venue.secret_file",
                    format!("{file:?}"),
                    format!("cannot read: {e}"),
                )
            })?;
            if text.trim().is_empty() {
                return Err(invalid(
                    "venue.secret_file",
                    format!("{file:?}"),
                    "is empty",
                ));
            }
            Secret::new(&text)
        }
        (None, name) => {
            let name = name.unwrap_or_else(|| SECRET_ENV.to_owned());
            let text = env(&name).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                invalid(
                    "venue.secret_env",
                    format!("(env {name})"),
                    format!("set the {name} environment variable"),
                )
            })?;
            Secret::new(&text)
        }
    };
    let mut config = AlpacaConfig::new(&base_url, &key_id, secret);
    if let Some(ms) = raw.timeout_ms {
        if ms == 0 {
            return Err(invalid("venue.timeout_ms", "0", "must be positive"));
        }
        config.timeout = Duration::from_millis(ms);
    }
    if let Some(bps) = raw.crypto_fee_bps {
        if bps > 10_000 {
            return Err(invalid(
                "venue.crypto_fee_bps",
                bps.to_string(),
                "must be at most 10000",
            ));
        }
        config.crypto_fee_bps = bps;
    }
    config.poll_interval = positive_ms("venue.poll_interval_ms", raw.poll_interval_ms, 1000)?;
    config.reconcile_interval = positive_ms(
        "venue.reconcile_interval_ms",
        raw.reconcile_interval_ms,
        30_000,
    )?;
    if raw.trade_updates.unwrap_or(true) {
        config.trade_updates_url = AlpacaConfig::stream_url_for(&config.base_url);
    }
    let tick = if config.trade_updates_url.is_some() {
        STREAM_TICK.min(config.poll_interval)
    } else {
        config.poll_interval
    };
    Ok(AlpacaSettings { config, tick })
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use std::path::Path;

    const TOKEN: &str = "0123456789abcdef-token";
    const HEAD: &str = "[journal]\npath = \"j\"\n[venue]\nkind = \"alpaca\"\n";

    fn parse(text: &str, vars: &[(&str, &str)]) -> Result<Settings, String> {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Settings::parse_with_env(Path::new("/etc/g.toml"), text, Some(TOKEN.into()), &env)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn keys_come_from_the_default_environment_variables() {
        let text = format!(
            "{HEAD}base_url = \"https://paper-api.alpaca.markets/\"\npoll_interval_ms = 250\n"
        );
        let settings = parse(
            &text,
            &[
                ("APCA_API_KEY_ID", "PKTEST"),
                ("APCA_API_SECRET_KEY", "s3cret-value"),
            ],
        )
        .unwrap();
        let alpaca = settings.alpaca.unwrap();
        assert_eq!(alpaca.config.base_url, "https://paper-api.alpaca.markets");
        assert_eq!(alpaca.config.key_id, "PKTEST");
        assert_eq!(alpaca.config.secret.expose(), "s3cret-value");
        assert_eq!(alpaca.config.poll_interval.as_millis(), 250);
        assert_eq!(
            alpaca.config.trade_updates_url.as_deref(),
            Some("wss://paper-api.alpaca.markets/stream"),
            "the stream is on by default"
        );
        assert_eq!(
            alpaca.tick.as_millis(),
            20,
            "with the stream the server ticks fast"
        );
        let polled = format!("{text}trade_updates = false\nreconcile_interval_ms = 0\n");
        let vars = [("APCA_API_KEY_ID", "PK"), ("APCA_API_SECRET_KEY", "s")];
        assert!(
            parse(&polled, &vars)
                .unwrap_err()
                .contains("venue.reconcile_interval_ms")
        );
        let polled = format!("{text}trade_updates = false\n");
        let alpaca = parse(&polled, &vars).unwrap().alpaca.unwrap();
        assert_eq!(alpaca.config.trade_updates_url, None);
        assert_eq!(
            alpaca.tick.as_millis(),
            250,
            "without it the tick is the poll interval"
        );
        assert!(
            !format!("{alpaca:?}").contains("s3cret"),
            "the secret never prints"
        );
    }

    #[test]
    fn missing_or_conflicting_settings_name_the_key_never_the_secret() {
        let text = format!("{HEAD}base_url = \"https://x\"\n");
        let none = parse(&text, &[("APCA_API_KEY_ID", "PK")]).unwrap_err();
        assert_eq!(
            none,
            "/etc/g.toml: key `venue.secret_env` = (env APCA_API_SECRET_KEY): set the APCA_API_SECRET_KEY \
             environment variable"
        );
        let custom = format!("{text}secret_env = \"MY_SECRET\"\nkey_id = \"PK\"\n");
        assert!(
            parse(&custom, &[])
                .unwrap_err()
                .contains("set the MY_SECRET environment variable")
        );
        let both = format!("{text}secret_env = \"A\"\nsecret_file = \"b\"\n");
        assert!(
            parse(&both, &[("APCA_API_KEY_ID", "PK")])
                .unwrap_err()
                .contains("give one of them")
        );
        let missing_file = format!("{text}key_id = \"PK\"\nsecret_file = \"nope.secret\"\n");
        let error = parse(&missing_file, &[]).unwrap_err();
        assert!(
            error.contains("venue.secret_file") && error.contains("/etc/nope.secret"),
            "{error}"
        );
        let no_url = parse(HEAD, &[]).unwrap_err();
        assert!(
            no_url.contains("venue.base_url") && no_url.contains("required"),
            "{no_url}"
        );
        let ftp = parse(&format!("{HEAD}base_url = \"ftp://x\"\n"), &[]).unwrap_err();
        assert!(ftp.contains("must start with https://"), "{ftp}");
    }

    #[test]
    fn the_shipped_alpaca_example_config_is_valid() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/gateway.alpaca.example.toml"
        ));
        let text = std::fs::read_to_string(path).unwrap();
        let env = |name: &str| match name {
            "APCA_API_KEY_ID" => Some("PKEXAMPLE".to_owned()),
            "APCA_API_SECRET_KEY" => Some("example-secret".to_owned()),
            _ => None,
        };
        let settings = Settings::parse_with_env(path, &text, Some(TOKEN.into()), &env).unwrap();
        let alpaca = settings.alpaca.unwrap();
        assert_eq!(alpaca.config.base_url, "https://paper-api.alpaca.markets");
        assert_eq!(alpaca.config.timeout.as_secs(), 10);
        assert_eq!(alpaca.config.crypto_fee_bps, 25);
        assert_eq!(settings.instruments[0].symbol.as_str(), "BTC/USD");
    }

    #[test]
    fn alpaca_keys_with_the_simulator_are_refused() {
        let text = "[journal]\npath = \"j\"\n[venue]\nkind = \"sim\"\nbase_url = \"https://x\"\n";
        let error = parse(text, &[]).unwrap_err();
        assert!(
            error.contains("venue.kind") && error.contains("need kind = \"alpaca\""),
            "{error}"
        );
    }
}
