//! Where the client commands find their API key, first match wins:
//!
//! 1. `--key-id` and `--secret-key` (both, or neither);
//! 2. `--credentials FILE`, a JSON file `{"keyId": ..., "secretKey": ...}` such as the demo's
//!    `pmx-data/demo-credentials.json`;
//! 3. the environment: `POLYMARKET_KEY_ID` and `POLYMARKET_SECRET_KEY`, else
//!    `POLYMARKET_US_KEY_ID` and `POLYMARKET_US_SECRET_KEY`.
//!
//! Public market-data commands never read credentials, so a broken key cannot stop them.

use std::path::Path;

use client::{Credentials, CredentialsError};

/// What to say when a signed command has no key.
pub(crate) const MISSING: &str = "no credentials: pass --credentials FILE (e.g. pmx-data/demo-credentials.json), \
     or --key-id and --secret-key, or set POLYMARKET_KEY_ID and POLYMARKET_SECRET_KEY";

/// The credentials from flags, file or environment; `None` when there are none.
pub(crate) fn resolve(
    key_id: Option<&str>,
    secret_key: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Credentials>, CredentialsError> {
    if let (Some(key_id), Some(secret_key)) = (key_id, secret_key) {
        return Credentials::new(key_id, secret_key).map(Some);
    }
    if let Some(file) = file {
        return Credentials::from_file(file).map(Some);
    }
    Credentials::from_env()
}
