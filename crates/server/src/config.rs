//! The configuration file (TOML) of docs/interface.md §2, and its validation.
//!
//! `ConfigFile` mirrors the file: every table and key is accepted, omitted keys take the
//! documented defaults, unknown keys are refused (a typo should not silently do nothing).
//! `Config::from_file` turns it into exact, validated values (`Price`, `Qty`, `Cash`, `Rate`,
//! decoded public keys) so nothing downstream parses text again.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use engine::{MarketSpec, MarketState};
use serde::Deserialize;
use types::{Cash, Price, Qty, Rate, parse_units};

use crate::streams::Limits as StreamLimits;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config: {0}")]
    Invalid(String),
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_data_dir")]
    pub data_dir: String,
    #[serde(default)]
    pub auth: AuthFile,
    #[serde(default)]
    pub limits: LimitsFile,
    #[serde(default)]
    pub fees: FeesFile,
    #[serde(default)]
    pub streams: StreamsFile,
    #[serde(default)]
    pub markets: Vec<MarketFile>,
    #[serde(default)]
    pub accounts: Vec<AccountFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    #[serde(default = "default_window_ms")]
    pub timestamp_window_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    #[serde(default = "default_rps")]
    pub requests_per_second_per_key: u32,
    #[serde(default = "default_max_block_time_s")]
    pub max_block_time_s: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamsFile {
    #[serde(default = "default_heartbeat_s")]
    pub heartbeat_interval_s: u64,
    #[serde(default = "default_subscriptions_max")]
    pub subscriptions_per_connection_max: u64,
    #[serde(default = "default_connections_max")]
    pub connections_per_key_max: u64,
    #[serde(default = "default_outbound_max")]
    pub outbound_frames_max: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeesFile {
    #[serde(default = "default_taker")]
    pub taker_coefficient: String,
    #[serde(default = "default_maker")]
    pub maker_coefficient: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketFile {
    pub slug: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_outcome")]
    pub outcome: String,
    #[serde(default)]
    pub event_slug: String,
    #[serde(default = "default_tick")]
    pub tick_size: String,
    #[serde(default = "default_min_qty")]
    pub min_trade_qty: String,
    #[serde(default = "default_state")]
    pub state: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFile {
    pub id: String,
    #[serde(default = "default_cash")]
    pub cash: String,
    #[serde(default)]
    pub keys: Vec<KeyFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub key_id: String,
    pub public_key: String,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_data_dir() -> String {
    "pmx-data".into()
}
fn default_window_ms() -> u64 {
    30_000
}
fn default_rps() -> u32 {
    20
}
fn default_max_block_time_s() -> u64 {
    10
}
fn default_heartbeat_s() -> u64 {
    5
}
fn default_subscriptions_max() -> u64 {
    10
}
fn default_connections_max() -> u64 {
    16
}
fn default_outbound_max() -> u64 {
    4_096
}
fn default_taker() -> String {
    "0.0695".into()
}
fn default_maker() -> String {
    "-0.0125".into()
}
fn default_outcome() -> String {
    "Yes".into()
}
fn default_tick() -> String {
    "0.01".into()
}
fn default_min_qty() -> String {
    "1".into()
}
fn default_state() -> String {
    "open".into()
}
fn default_cash() -> String {
    "0".into()
}

impl Default for AuthFile {
    fn default() -> AuthFile {
        AuthFile { timestamp_window_ms: default_window_ms() }
    }
}
impl Default for LimitsFile {
    fn default() -> LimitsFile {
        LimitsFile { requests_per_second_per_key: default_rps(), max_block_time_s: default_max_block_time_s() }
    }
}
impl Default for StreamsFile {
    fn default() -> StreamsFile {
        StreamsFile {
            heartbeat_interval_s: default_heartbeat_s(),
            subscriptions_per_connection_max: default_subscriptions_max(),
            connections_per_key_max: default_connections_max(),
            outbound_frames_max: default_outbound_max(),
        }
    }
}
impl Default for FeesFile {
    fn default() -> FeesFile {
        FeesFile { taker_coefficient: default_taker(), maker_coefficient: default_maker() }
    }
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Accepted distance between `X-PM-Timestamp` and the server clock, either way.
    pub timestamp_window_ms: u64,
    /// Token-bucket rate per API key (and per IP on public paths); 0 = no limit.
    pub requests_per_second: u32,
    /// Default and cap of `maxBlockTime`.
    pub max_block_time_s: u64,
    /// Markets to create when the store does not have them yet.
    pub markets: Vec<MarketSpec>,
    /// Accounts to create when the store does not have them yet.
    pub accounts: Vec<AccountConfig>,
    /// Seed the demo when the data directory is empty (no `--config` given).
    pub demo: bool,
    /// Fee coefficients for markets this server creates.
    pub taker_rate: Rate,
    pub maker_rate: Rate,
    /// The `[streams]` limits.
    pub streams: StreamLimits,
}

/// One configured account.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    pub name: String,
    /// Opening deposit, made when the account is created.
    pub cash: Cash,
    pub keys: Vec<KeyConfig>,
}

/// One configured API key.
#[derive(Clone, Debug)]
pub struct KeyConfig {
    pub key_id: String,
    pub public_key: [u8; 32],
}

impl Default for Config {
    /// No file: defaults everywhere, and the demo on an empty data directory.
    fn default() -> Config {
        let mut config = Config::from_file(toml_defaults()).expect("the defaults are valid");
        config.demo = true;
        config
    }
}

fn toml_defaults() -> ConfigFile {
    toml::from_str("").expect("an empty file is a valid config")
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(&text).map_err(|error| match error {
            ConfigError::Invalid(message) => ConfigError::Parse { path: path.to_path_buf(), message },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|error| ConfigError::Invalid(error.to_string()))?;
        Config::from_file(file)
    }

    /// Validates a parsed file.
    pub fn from_file(file: ConfigFile) -> Result<Config, ConfigError> {
        let listen = file
            .listen
            .parse()
            .map_err(|_| invalid(format!("listen: {:?} is not an address like 127.0.0.1:8080", file.listen)))?;
        let taker_rate = Rate(units(&file.fees.taker_coefficient, 6, "fees.taker_coefficient")?);
        let maker_rate = Rate(units(&file.fees.maker_coefficient, 6, "fees.maker_coefficient")?);
        let mut markets = Vec::with_capacity(file.markets.len());
        for market in &file.markets {
            markets.push(market_spec(market, taker_rate, maker_rate)?);
        }
        let streams = stream_limits(&file.streams)?;
        let mut accounts = Vec::with_capacity(file.accounts.len());
        for account in file.accounts {
            accounts.push(account_config(account)?);
        }
        Ok(Config {
            listen,
            data_dir: PathBuf::from(file.data_dir),
            timestamp_window_ms: file.auth.timestamp_window_ms,
            requests_per_second: file.limits.requests_per_second_per_key,
            max_block_time_s: file.limits.max_block_time_s.max(1),
            markets,
            accounts,
            demo: false,
            taker_rate,
            maker_rate,
            streams,
        })
    }

    /// A market spec with this server's fee coefficients and the usual price bounds.
    pub fn market(&self, slug: &str, title: &str, event_slug: &str, tick: Price, min_qty: Qty) -> MarketSpec {
        MarketSpec {
            slug: slug.into(),
            title: title.into(),
            outcome: "Yes".into(),
            event_slug: event_slug.into(),
            tick,
            min_qty,
            price_min: Price(100),
            price_max: Price(9_900),
            state: MarketState::Open,
            taker_rate: self.taker_rate,
            maker_rate: self.maker_rate,
        }
    }
}

fn invalid(message: String) -> ConfigError {
    ConfigError::Invalid(message)
}

fn units(text: &str, scale: u32, what: &str) -> Result<i64, ConfigError> {
    let value = parse_units(text, scale).map_err(|error| invalid(format!("{what}: {text:?}: {error}")))?;
    i64::try_from(value).map_err(|_| invalid(format!("{what}: {text:?} is out of range")))
}

/// `[streams]`: every key within its range, so no setting can stall or starve a connection.
fn stream_limits(file: &StreamsFile) -> Result<StreamLimits, ConfigError> {
    let within = |value: u64, key: &str, low: u64, high: u64| {
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(format!("streams.{key}: {value} is not within {low}..={high}")))
        }
    };
    let count = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
    let heartbeat = within(file.heartbeat_interval_s, "heartbeat_interval_s", 1, 3_600)?;
    let subscriptions = within(file.subscriptions_per_connection_max, "subscriptions_per_connection_max", 1, 1_000)?;
    let connections = within(file.connections_per_key_max, "connections_per_key_max", 1, 10_000)?;
    let outbound = within(file.outbound_frames_max, "outbound_frames_max", 16, 1_000_000)?;
    Ok(StreamLimits {
        heartbeat: Duration::from_secs(heartbeat),
        subscriptions_per_connection_max: count(subscriptions),
        connections_per_key_max: count(connections),
        outbound_frames_max: count(outbound),
    })
}

fn market_spec(market: &MarketFile, taker_rate: Rate, maker_rate: Rate) -> Result<MarketSpec, ConfigError> {
    let what = |key: &str| format!("markets[{}].{key}", market.slug);
    if market.slug.is_empty() || !market.slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid(format!("markets: slug {:?} must be letters, digits, '-' or '_'", market.slug)));
    }
    let tick = units(&market.tick_size, 4, &what("tick_size"))?;
    let min_qty = units(&market.min_trade_qty, 4, &what("min_trade_qty"))?;
    let state = match market.state.as_str() {
        "open" => MarketState::Open,
        "preopen" => MarketState::Preopen,
        "suspended" => MarketState::Suspended,
        "halted" => MarketState::Halted,
        other => {
            return Err(invalid(format!(
                "{}: {other:?} is not one of open, preopen, suspended, halted",
                what("state")
            )));
        }
    };
    let tick = u32::try_from(tick).map_err(|_| invalid(format!("{}: must be positive", what("tick_size"))))?;
    Ok(MarketSpec {
        slug: market.slug.clone(),
        title: if market.title.is_empty() { market.slug.clone() } else { market.title.clone() },
        outcome: market.outcome.clone(),
        event_slug: market.event_slug.clone(),
        tick: Price(tick),
        min_qty: Qty(min_qty),
        price_min: Price(100),
        price_max: Price(9_900),
        state,
        taker_rate,
        maker_rate,
    })
}

fn account_config(account: AccountFile) -> Result<AccountConfig, ConfigError> {
    let cash = parse_units(&account.cash, 8)
        .ok()
        .and_then(|units| i64::try_from(units).ok())
        .filter(|units| *units >= 0)
        .ok_or_else(|| {
            invalid(format!("accounts[{}].cash: {:?} is not a non-negative amount", account.id, account.cash))
        })?;
    let mut keys = Vec::with_capacity(account.keys.len());
    for key in account.keys {
        if uuid::Uuid::parse_str(&key.key_id).is_err() {
            return Err(invalid(format!("accounts[{}].keys: key_id {:?} is not a UUID", account.id, key.key_id)));
        }
        let public_key =
            STANDARD.decode(key.public_key.trim()).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).ok_or_else(
                || {
                    invalid(format!(
                        "accounts[{}].keys[{}].public_key must be the base64 of 32 bytes",
                        account.id, key.key_id
                    ))
                },
            )?;
        keys.push(KeyConfig { key_id: key.key_id.to_ascii_lowercase(), public_key });
    }
    Ok(AccountConfig { name: account.id, cash: Cash(cash), keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_takes_the_defaults() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("pmx-data"));
        assert_eq!(config.timestamp_window_ms, 30_000);
        assert_eq!(config.requests_per_second, 20);
        assert_eq!(config.max_block_time_s, 10);
        assert_eq!(config.taker_rate, Rate(69_500));
        assert_eq!(config.maker_rate, Rate(-12_500));
        assert_eq!(config.streams, StreamLimits::default());
        assert!(!config.demo);
    }

    #[test]
    fn stream_limits_are_read_and_each_bound_enforced() {
        let text = "[streams]\nheartbeat_interval_s = 2\nsubscriptions_per_connection_max = 3\n\
                    connections_per_key_max = 4\noutbound_frames_max = 64";
        let limits = Config::parse(text).unwrap().streams;
        assert_eq!(limits.heartbeat, Duration::from_secs(2));
        assert_eq!(
            (limits.subscriptions_per_connection_max, limits.connections_per_key_max, limits.outbound_frames_max),
            (3, 4, 64)
        );
        for (key, bad) in [
            ("heartbeat_interval_s", "0"),
            ("heartbeat_interval_s", "3601"),
            ("subscriptions_per_connection_max", "0"),
            ("subscriptions_per_connection_max", "1001"),
            ("connections_per_key_max", "0"),
            ("connections_per_key_max", "10001"),
            ("outbound_frames_max", "15"),
            ("outbound_frames_max", "1000001"),
            ("outbound_frames_max", "-1"),
        ] {
            let error = Config::parse(&format!("[streams]\n{key} = {bad}")).unwrap_err().to_string();
            assert!(error.contains(key), "{key} = {bad}: {error}");
        }
        let error = Config::parse("[streams]\nheartbeat = 1").unwrap_err().to_string();
        assert!(error.contains("unknown field"), "{error}");
    }

    #[test]
    fn the_documented_example_is_accepted() {
        let text = r#"
listen = "127.0.0.1:9090"
data_dir = "somewhere"
[auth]
timestamp_window_ms = 5000
[limits]
requests_per_second_per_key = 0
max_block_time_s = 3
[fees]
taker_coefficient = "0.06"
maker_coefficient = "0"
[[markets]]
slug = "nyc-rain-2026-12-01"
title = "Will it rain in New York on 1 Dec 2026?"
outcome = "Yes"
event_slug = "nyc-weather"
tick_size = "0.01"
min_trade_qty = "0.01"
state = "halted"
[[accounts]]
id = "alice"
cash = "1000.00"
[[accounts.keys]]
key_id = "0b6f9a1e-3c52-4d7e-9a0f-2f1d3c4b5a69"
public_key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
"#;
        let config = Config::parse(text).unwrap();
        assert_eq!(config.requests_per_second, 0);
        assert_eq!(config.markets[0].tick, Price(100));
        assert_eq!(config.markets[0].min_qty, Qty(100));
        assert_eq!(config.markets[0].state, MarketState::Halted);
        assert_eq!(config.markets[0].taker_rate, Rate(60_000));
        assert_eq!(config.accounts[0].cash, Cash(100_000_000_000));
        assert_eq!(config.accounts[0].keys[0].public_key[0], 0xd7);
    }

    #[test]
    fn bad_values_are_refused_with_the_key_named() {
        for (text, needle) in [
            ("listen = \"nowhere\"", "listen"),
            ("[[markets]]\nslug = \"a\"\ntick_size = \"x\"", "tick_size"),
            ("[[markets]]\nslug = \"a\"\nstate = \"closed\"", "state"),
            ("[[markets]]\nslug = \"a b\"", "slug"),
            ("[[accounts]]\nid = \"a\"\ncash = \"-1\"", "cash"),
            ("[[accounts]]\nid = \"a\"\n[[accounts.keys]]\nkey_id = \"nope\"\npublic_key = \"\"", "UUID"),
            ("[fees]\ntaker_coefficient = \"NaN\"", "taker_coefficient"),
            ("[limits]\nbogus = 1", "bogus"),
        ] {
            let error = Config::parse(text).unwrap_err().to_string();
            assert!(error.contains(needle), "{text:?} gave {error:?}");
        }
    }
}
