//! `Credentials`: an API key id and its base64 Ed25519 secret, and the signed headers they make.
//!
//! The secret is the base64 of a 32-byte seed, or of 64 bytes (`seed || public key`) whose
//! first 32 are the seed; it is checked when the credentials are made, so a bad key fails
//! before anything is sent. Sources: values, a JSON file in the `demo-credentials.json` format
//! (`{"keyId": ..., "secretKey": ...}`), or the environment (`POLYMARKET_KEY_ID` and
//! `POLYMARKET_SECRET_KEY`, else `POLYMARKET_US_KEY_ID` and `POLYMARKET_US_SECRET_KEY`).
//! `Debug` never shows the secret.

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use protocol::{HEADER_ACCESS_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, SigningError};
use serde::Deserialize;

/// Environment variables read by `Credentials::from_env`, in order of preference.
pub const ENV_KEY_PAIRS: [(&str, &str); 2] =
    [("POLYMARKET_KEY_ID", "POLYMARKET_SECRET_KEY"), ("POLYMARKET_US_KEY_ID", "POLYMARKET_US_SECRET_KEY")];

/// Why credentials could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    #[error("the key id is empty")]
    EmptyKeyId,
    #[error("invalid secret key: {0}")]
    Secret(#[from] SigningError),
    #[error("cannot read credentials file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{variable} is set but {missing} is not")]
    IncompleteEnv { variable: &'static str, missing: &'static str },
}

/// An API key: its id and secret.
#[derive(Clone)]
pub struct Credentials {
    key_id: String,
    secret_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("key_id", &self.key_id).field("secret_key", &"<redacted>").finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsFile {
    key_id: String,
    secret_key: String,
}

impl Credentials {
    /// Credentials from a key id and a base64 secret (32 or 64 bytes).
    pub fn new(key_id: impl Into<String>, secret_key: impl Into<String>) -> Result<Credentials, CredentialsError> {
        let key_id = key_id.into().trim().to_owned();
        let secret_key = secret_key.into().trim().to_owned();
        if key_id.is_empty() {
            return Err(CredentialsError::EmptyKeyId);
        }
        protocol::public_key(&secret_key)?;
        Ok(Credentials { key_id, secret_key })
    }

    /// Credentials from JSON text `{"keyId": ..., "secretKey": ...}` (other keys ignored).
    pub fn from_json(text: &str) -> Result<Credentials, CredentialsError> {
        let file: CredentialsFile = serde_json::from_str(text).map_err(|error| CredentialsError::File {
            path: "<json>".into(),
            reason: format!("expected {{\"keyId\": ..., \"secretKey\": ...}}: {error}"),
        })?;
        Credentials::new(file.key_id, file.secret_key)
    }

    /// Credentials from a file in the `demo-credentials.json` format.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Credentials, CredentialsError> {
        let path = path.as_ref();
        let file_error = |reason: String| CredentialsError::File { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|error| file_error(error.to_string()))?;
        Credentials::from_json(&text).map_err(|error| match error {
            CredentialsError::File { reason, .. } => file_error(reason),
            other => other,
        })
    }

    /// Credentials from the environment (see `ENV_KEY_PAIRS`); `Ok(None)` when neither pair is
    /// set, an error when only half of a pair is.
    pub fn from_env() -> Result<Option<Credentials>, CredentialsError> {
        Credentials::from_lookup(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
    }

    /// `from_env` over any variable lookup.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>, CredentialsError> {
        for (id_variable, secret_variable) in ENV_KEY_PAIRS {
            match (lookup(id_variable), lookup(secret_variable)) {
                (Some(key_id), Some(secret)) => return Credentials::new(key_id, secret).map(Some),
                (Some(_), None) => {
                    return Err(CredentialsError::IncompleteEnv { variable: id_variable, missing: secret_variable });
                }
                (None, Some(_)) => {
                    return Err(CredentialsError::IncompleteEnv { variable: secret_variable, missing: id_variable });
                }
                (None, None) => {}
            }
        }
        Ok(None)
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The three signed headers for `method` and `path` (no query) at `timestamp_ms`.
    pub fn headers_at(&self, timestamp_ms: u64, method: &str, path: &str) -> [(&'static str, String); 3] {
        let timestamp = timestamp_ms.to_string();
        let message = protocol::signing_message(&timestamp, method, path);
        // The secret was checked in `new`, so signing cannot fail on it.
        let signature = protocol::sign(&self.secret_key, &message).unwrap_or_default();
        [(HEADER_ACCESS_KEY, self.key_id.clone()), (HEADER_TIMESTAMP, timestamp), (HEADER_SIGNATURE, signature)]
    }

    /// The signed headers for `method` and `path` now.
    pub fn headers(&self, method: &str, path: &str) -> [(&'static str, String); 3] {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis());
        self.headers_at(u64::try_from(now_ms).unwrap_or(u64::MAX), method, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/sdk.md §2: the RFC 8032 test-1 key and its documented signatures.
    const SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    const SECRET_64: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
    const CLOSE_SIGNATURE: &str =
        "BikGziSTSRuKADVK71pecBUOQIH2jmbLNqIDGthlF+0QwcguoFxGxRJXUIyKmPXfgHum3lQK6lsIpCN2dnOXAQ==";

    #[test]
    fn signs_the_documented_vector_with_both_secret_forms() {
        for secret in [SEED, SECRET_64] {
            let credentials = Credentials::new("key-1", secret).unwrap();
            let headers = credentials.headers_at(1_700_000_000_000, "POST", "/v1/order/close-position");
            assert_eq!(headers[0], ("X-PM-Access-Key", "key-1".to_owned()));
            assert_eq!(headers[1], ("X-PM-Timestamp", "1700000000000".to_owned()));
            assert_eq!(headers[2], ("X-PM-Signature", CLOSE_SIGNATURE.to_owned()));
            // The query is not signed.
            let with_query = credentials.headers_at(1_700_000_000_000, "POST", "/v1/order/close-position?x=1");
            assert_eq!(with_query[2].1, CLOSE_SIGNATURE);
        }
    }

    #[test]
    fn bad_secrets_and_files_are_refused() {
        assert!(matches!(Credentials::new("k", "***"), Err(CredentialsError::Secret(SigningError::NotBase64))));
        assert!(matches!(Credentials::new("k", "AAAA"), Err(CredentialsError::Secret(SigningError::SecretLength(3)))));
        assert!(matches!(Credentials::new(" ", SEED), Err(CredentialsError::EmptyKeyId)));
        let parsed = Credentials::from_json(&format!(r#"{{"keyId":"k","secretKey":"{SEED}","x":1}}"#)).unwrap();
        assert_eq!(parsed.key_id(), "k");
        assert!(!format!("{parsed:?}").contains(SEED));
        let error = Credentials::from_file("/nonexistent/creds.json").unwrap_err().to_string();
        assert!(error.starts_with("cannot read credentials file /nonexistent/creds.json"), "{error}");
        assert!(Credentials::from_json(r#"{"keyId":"k"}"#).unwrap_err().to_string().contains("secretKey"));
    }

    #[test]
    fn environment_pairs_in_order() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        };
        assert!(Credentials::from_lookup(lookup(&[])).unwrap().is_none());
        let us =
            Credentials::from_lookup(lookup(&[("POLYMARKET_US_KEY_ID", "us"), ("POLYMARKET_US_SECRET_KEY", SEED)]));
        assert_eq!(us.unwrap().unwrap().key_id(), "us");
        let both = Credentials::from_lookup(lookup(&[
            ("POLYMARKET_US_KEY_ID", "us"),
            ("POLYMARKET_US_SECRET_KEY", SEED),
            ("POLYMARKET_KEY_ID", "plain"),
            ("POLYMARKET_SECRET_KEY", SEED),
        ]));
        assert_eq!(both.unwrap().unwrap().key_id(), "plain");
        let half = Credentials::from_lookup(lookup(&[("POLYMARKET_KEY_ID", "k")])).unwrap_err();
        assert_eq!(half.to_string(), "POLYMARKET_KEY_ID is set but POLYMARKET_SECRET_KEY is not");
    }
}
