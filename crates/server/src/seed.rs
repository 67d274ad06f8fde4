//! Start-up seeding: the config file's markets, accounts and keys, and the demo.
//!
//! Everything is created through journaled commands, like any other change, so a restart
//! replays it. Config items the store already has are left alone (a market by slug, an account
//! by name, a key by id); `cash` is the opening deposit, made only when the account is created.
//!
//! The demo (no config file, empty data directory): three open markets; a `liquidity` account
//! whose resting orders give every book five levels a side; a `demo` trader with cash, a fresh
//! key, a long position in one market and a short in another, both made by real trades, so
//! close-position can be tried at once. Its key id and secret are written to
//! `<data-dir>/demo-credentials.json` before the key is journaled, so a key that exists always
//! has its credentials on disk.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use engine::{Intent, MarketRef, NewOrder, Op, OrderKind, Reply, Size, Tif};
use journal::KeyGrant;
use types::{AccountId, Cash, Price, Qty};

use crate::config::Config;
use crate::sequencer::{Core, Write};

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("journal: {0}")]
    Journal(#[from] journal::JournalError),
    #[error("seeding {what}: {error}")]
    Engine { what: String, error: engine::EngineError },
    #[error("writing {path}: {error}")]
    Credentials { path: String, error: std::io::Error },
    #[error("no randomness for a key: {0}")]
    Random(String),
}

/// A generated API key.
#[derive(Clone, Debug)]
pub struct NewKey {
    pub key_id: String,
    /// Base64 of the 32-byte Ed25519 seed.
    pub secret_key: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    pub public_bytes: [u8; 32],
}

/// Makes a fresh key: a v4 UUID id and a random Ed25519 seed.
pub fn new_key() -> Result<NewKey, SeedError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| SeedError::Random(error.to_string()))?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public_bytes = signing.verifying_key().to_bytes();
    Ok(NewKey {
        key_id: uuid::Uuid::new_v4().to_string(),
        secret_key: STANDARD.encode(seed),
        public_key: STANDARD.encode(public_bytes),
        public_bytes,
    })
}

/// Creates the config's missing markets, accounts and keys.
pub(crate) fn seed_config(core: &mut Core, config: &Config) -> Result<(), SeedError> {
    let markets: Vec<Write> = config
        .markets
        .iter()
        .filter(|spec| core.engine.market_id(&spec.slug).is_none())
        .map(|spec| Write::Op(Op::CreateMarket(spec.clone())))
        .collect();
    check(core.submit(markets)?, "markets")?;

    let new_accounts: Vec<_> =
        config.accounts.iter().filter(|account| core.engine.account_id(&account.name).is_none()).collect();
    let creates =
        new_accounts.iter().map(|account| Write::Op(Op::CreateAccount { name: account.name.clone() })).collect();
    check(core.submit(creates)?, "accounts")?;
    let deposits = new_accounts
        .iter()
        .filter(|account| account.cash > Cash(0))
        .filter_map(|account| {
            let id = core.engine.account_id(&account.name)?;
            Some(Write::Op(Op::Deposit { account: id, amount: account.cash }))
        })
        .collect();
    check(core.submit(deposits)?, "opening deposits")?;

    let grants = config
        .accounts
        .iter()
        .flat_map(|account| account.keys.iter().map(move |key| (account, key)))
        .filter(|(_, key)| !core.keys.contains(&key.key_id))
        .map(|(account, key)| {
            Write::Key(KeyGrant {
                key_id: key.key_id.clone(),
                public_key: key.public_key,
                account: account.name.clone(),
            })
        })
        .collect();
    check(core.submit(grants)?, "keys")?;
    Ok(())
}

fn check(results: Vec<Result<Reply, engine::EngineError>>, what: &str) -> Result<Vec<Reply>, SeedError> {
    results.into_iter().map(|result| result.map_err(|error| SeedError::Engine { what: what.into(), error })).collect()
}

/// The demo's markets: slug, title, event, tick, minimum quantity, mid price.
const DEMO_MARKETS: [(&str, &str, &str, u32, i64, u32); 3] = [
    ("nyc-rain-2026-12-01", "Will it rain in New York on 1 Dec 2026?", "nyc-weather", 100, 100, 4_200),
    ("btc-above-150k-2026-12-31", "Will Bitcoin close above $150,000 on 31 Dec 2026?", "btc-year-end", 100, 100, 3_100),
    (
        "lakers-vs-celtics-2026-12-05",
        "Lakers vs Celtics on 5 Dec 2026: will the Lakers win?",
        "nba-lal-bos",
        50,
        10_000,
        5_500,
    ),
];

/// Seeds the demo into an empty store and writes its credentials. Returns the trader's key.
pub(crate) fn seed_demo(core: &mut Core, config: &Config, data_dir: &Path) -> Result<NewKey, SeedError> {
    let markets = DEMO_MARKETS
        .iter()
        .map(|&(slug, title, event, tick, min_qty, _)| {
            Write::Op(Op::CreateMarket(config.market(slug, title, event, Price(tick), Qty(min_qty))))
        })
        .collect();
    check(core.submit(markets)?, "demo markets")?;
    let accounts = ["liquidity", "demo"].map(|name| Write::Op(Op::CreateAccount { name: name.into() })).into();
    check(core.submit(accounts)?, "demo accounts")?;
    let liquidity = core.engine.account_id("liquidity").unwrap_or_default();
    let trader = core.engine.account_id("demo").unwrap_or_default();
    let dollars = |amount: i64| Cash(amount * types::CASH_SCALE);
    let deposits = vec![
        Write::Op(Op::Deposit { account: liquidity, amount: dollars(1_000_000) }),
        Write::Op(Op::Deposit { account: trader, amount: dollars(10_000) }),
    ];
    check(core.submit(deposits)?, "demo deposits")?;

    // Five levels a side around each mid, one tick apart, growing with distance.
    let mut quotes = Vec::new();
    for &(slug, _, _, tick, _, mid) in &DEMO_MARKETS {
        for level in 1..=5u32 {
            let qty = Qty(i64::from(50 + 25 * level) * types::QTY_SCALE);
            let bid = Price(mid - tick * level);
            let offer = Price(mid + tick * (level - 1) + tick);
            quotes.push(limit(liquidity, slug, Intent::BuyLong, bid, qty));
            quotes.push(limit(liquidity, slug, Intent::BuyShort, offer, qty));
        }
    }
    check(core.submit(quotes)?, "demo liquidity")?;

    // The trader's positions, by real trades: long 25 in the first market, short 40 in the second.
    let trades = vec![
        market_order(trader, DEMO_MARKETS[0].0, Intent::BuyLong, Qty(25 * types::QTY_SCALE)),
        market_order(trader, DEMO_MARKETS[1].0, Intent::BuyShort, Qty(40 * types::QTY_SCALE)),
    ];
    check(core.submit(trades)?, "demo positions")?;

    let key = new_key()?;
    write_credentials(data_dir, &key)?;
    let grant = KeyGrant { key_id: key.key_id.clone(), public_key: key.public_bytes, account: "demo".into() };
    check(core.submit(vec![Write::Key(grant)])?, "demo key")?;
    Ok(key)
}

fn limit(account: AccountId, slug: &str, intent: Intent, price: Price, qty: Qty) -> Write {
    Write::Op(Op::PlaceOrder(NewOrder {
        account,
        market: MarketRef::Slug(slug.into()),
        intent,
        kind: OrderKind::Limit,
        price: Some(price),
        size: Size::Qty(qty),
        tif: Some(Tif::GoodTillCancel),
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    }))
}

fn market_order(account: AccountId, slug: &str, intent: Intent, qty: Qty) -> Write {
    Write::Op(Op::PlaceOrder(NewOrder {
        account,
        market: MarketRef::Slug(slug.into()),
        intent,
        kind: OrderKind::Market,
        price: None,
        size: Size::Qty(qty),
        tif: None,
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    }))
}

/// Writes `demo-credentials.json` atomically (temporary file, fsync, rename).
fn write_credentials(data_dir: &Path, key: &NewKey) -> Result<(), SeedError> {
    let path = data_dir.join("demo-credentials.json");
    let text = serde_json::json!({"keyId": key.key_id, "secretKey": key.secret_key}).to_string() + "\n";
    let temporary = data_dir.join("demo-credentials.json.tmp");
    let error = |error| SeedError::Credentials { path: path.display().to_string(), error };
    std::fs::write(&temporary, text).map_err(error)?;
    std::fs::File::open(&temporary).and_then(|file| file.sync_all()).map_err(error)?;
    std::fs::rename(&temporary, &path).map_err(error)?;
    Ok(())
}
