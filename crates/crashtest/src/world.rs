//! The exchange the crash test runs: three open markets (one of them partial-contract) and
//! five funded accounts with fixed keys, written as a `pmx serve` config file.
//!
//! Prices and quantities are kept in the engine's units (`Price`: $0.0001, `Qty`: 0.0001
//! contract) and written as exact decimal strings, so what the test sent can be compared with
//! the journaled commands without any rounding.

use std::path::Path;

/// A market of the test config.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MarketDef {
    pub(crate) slug: &'static str,
    /// Price increment in `Price` units.
    pub(crate) tick_units: u32,
    /// Minimum quantity and quantity step in `Qty` units.
    pub(crate) step_units: i64,
}

pub(crate) const MARKETS: [MarketDef; 3] = [
    MarketDef { slug: "rain", tick_units: 100, step_units: 10_000 },
    // Partial contracts: quantities in steps of 0.01.
    MarketDef { slug: "btc", tick_units: 100, step_units: 100 },
    // A finer tick: $0.001.
    MarketDef { slug: "fed", tick_units: 10, step_units: 10_000 },
];

/// An account of the test config with its one API key.
#[derive(Clone, Debug)]
pub(crate) struct AccountDef {
    pub(crate) name: String,
    /// Opening deposit in whole dollars.
    pub(crate) cash_dollars: i64,
    pub(crate) key_id: String,
    /// Base64 of the 32-byte Ed25519 seed.
    pub(crate) secret: String,
}

/// Traders besides the maker.
pub(crate) const TRADERS: usize = 4;

/// The maker (index 0) and the traders (1..=TRADERS). Keys come from fixed seeds.
pub(crate) fn accounts() -> Vec<AccountDef> {
    (0..=TRADERS)
        .map(|index| {
            let byte = u8::try_from(index + 1).unwrap_or(1);
            AccountDef {
                name: if index == 0 { "maker".to_owned() } else { format!("trader{index}") },
                cash_dollars: if index == 0 { 1_000_000 } else { 20_000 },
                key_id: format!("c4a5e0d1-0000-4000-8000-{index:012}"),
                secret: protocol::encode_base64(&[byte; 32]),
            }
        })
        .collect()
}

/// The config file for `pmx serve` (data directory and listen address come as flags).
pub(crate) fn config_text(data_dir: &Path, accounts: &[AccountDef]) -> Result<String, String> {
    let mut text = format!(
        "data_dir = \"{}\"\n\n[limits]\nrequests_per_second_per_key = 0\nmax_block_time_s = 1\n",
        data_dir.display()
    );
    for market in MARKETS {
        text.push_str(&format!(
            "\n[[markets]]\nslug = \"{slug}\"\ntitle = \"Crash test market {slug}\"\nevent_slug = \"crashtest\"\n\
             tick_size = \"{tick}\"\nmin_trade_qty = \"{step}\"\nstate = \"open\"\n",
            slug = market.slug,
            tick = price_text(market.tick_units),
            step = qty_text(market.step_units),
        ));
    }
    for account in accounts {
        let public =
            protocol::public_key(&account.secret).map_err(|error| format!("key of {}: {error}", account.name))?;
        text.push_str(&format!(
            "\n[[accounts]]\nid = \"{name}\"\ncash = \"{cash}\"\n[[accounts.keys]]\nkey_id = \"{key_id}\"\npublic_key = \"{public}\"\n",
            name = account.name,
            cash = account.cash_dollars,
            key_id = account.key_id,
            public = protocol::encode_base64(&public),
        ));
    }
    Ok(text)
}

/// `Price` units as a decimal string ("0.4500").
pub(crate) fn price_text(units: u32) -> String {
    let scale = u32::try_from(types::PRICE_SCALE).unwrap_or(10_000);
    format!("{}.{:04}", units / scale, units % scale)
}

/// `Qty` units as a decimal string ("2.3500"); negative values keep their sign.
pub(crate) fn qty_text(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    let scale = types::QTY_SCALE.unsigned_abs();
    format!("{sign}{}.{:04}", magnitude / scale, magnitude % scale)
}

/// Parses an exact decimal (a JSON string or number's text) into units of `10^-scale`.
pub(crate) fn units(text: &str, scale: u32) -> Result<i128, String> {
    types::parse_units(text, scale).map_err(|error| format!("{text:?} is not a decimal: {error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip() {
        assert_eq!(price_text(4500), "0.4500");
        assert_eq!(price_text(455), "0.0455");
        assert_eq!(qty_text(23_500), "2.3500");
        assert_eq!(qty_text(-10_000), "-1.0000");
        assert_eq!(units("-2.35", 4), Ok(-23_500));
        assert_eq!(units("0.0695", 4), Ok(695));
    }

    #[test]
    fn the_config_names_every_account_and_market() {
        let text = config_text(Path::new("/tmp/x"), &accounts()).unwrap();
        for slug in ["rain", "btc", "fed"] {
            assert!(text.contains(&format!("slug = \"{slug}\"")));
        }
        assert!(text.contains("min_trade_qty = \"0.0100\""));
        assert_eq!(text.matches("[[accounts]]").count(), TRADERS + 1);
    }
}
