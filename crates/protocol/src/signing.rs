//! Request signing, shared by the server (verification) and clients (signing).
//!
//! Every `api`-host request carries three headers: the key id, the Unix time in milliseconds,
//! and a standard base64 Ed25519 signature over `timestamp + METHOD + path`, where the path
//! has no scheme, host or query string and the body is not signed (docs/api.md §8,
//! docs/sdk.md §2). A secret key is the base64 of a 32-byte seed, or of 64 bytes
//! (`seed || public key`) of which the first 32 are the seed.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Header carrying the API key id (a UUID).
pub const HEADER_ACCESS_KEY: &str = "X-PM-Access-Key";
/// Header carrying the Unix time in milliseconds, as decimal digits.
pub const HEADER_TIMESTAMP: &str = "X-PM-Timestamp";
/// Header carrying the base64 Ed25519 signature.
pub const HEADER_SIGNATURE: &str = "X-PM-Signature";
/// Request id header; the server echoes it on the response.
pub const HEADER_CORRELATION_ID: &str = "poly-correlation-id";

/// Why a key could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("key is not valid base64")]
    NotBase64,
    #[error("secret key must decode to 32 or 64 bytes, got {0}")]
    SecretLength(usize),
    #[error("public key must decode to 32 bytes, got {0}")]
    PublicKeyLength(usize),
    #[error("public key is not a valid Ed25519 point")]
    InvalidPublicKey,
}

/// The signed message: `timestamp + METHOD + path`, no separators. The method is
/// upper-cased; anything from a `?` on is dropped from the path, so callers may pass a
/// request target with its query.
pub fn signing_message(timestamp: &str, method: &str, path: &str) -> String {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let mut message = String::with_capacity(timestamp.len() + method.len() + path.len());
    message.push_str(timestamp);
    message.push_str(&method.to_ascii_uppercase());
    message.push_str(path);
    message
}

/// Signs `message` with a base64 secret (32-byte seed, or 64 bytes whose first 32 are the
/// seed); returns the standard, padded base64 signature.
pub fn sign(secret_b64: &str, message: &str) -> Result<String, SigningError> {
    let key = signing_key(secret_b64)?;
    Ok(STANDARD.encode(key.sign(message.as_bytes()).to_bytes()))
}

/// True when `signature_b64` is a valid Ed25519 signature of `message` by `public_key`.
/// Malformed base64, a wrong length or an invalid key all give `false`. Verification is
/// strict (RFC 8032 canonical signatures, no small-order keys).
pub fn verify(public_key: &[u8; 32], message: &str, signature_b64: &str) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else { return false };
    let Ok(bytes) = STANDARD.decode(signature_b64.trim()) else { return false };
    let Ok(signature) = Signature::from_slice(&bytes) else { return false };
    key.verify_strict(message.as_bytes(), &signature).is_ok()
}

/// The public key of a base64 secret.
pub fn public_key(secret_b64: &str) -> Result<[u8; 32], SigningError> {
    Ok(signing_key(secret_b64)?.verifying_key().to_bytes())
}

/// Decodes and checks a base64 public key (as stored in configuration).
pub fn decode_public_key(public_b64: &str) -> Result<[u8; 32], SigningError> {
    let bytes = decode(public_b64)?;
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| SigningError::PublicKeyLength(bytes.len()))?;
    VerifyingKey::from_bytes(&key).map_err(|_| SigningError::InvalidPublicKey)?;
    Ok(key)
}

/// Standard, padded base64 (the encoding of secrets, public keys and signatures).
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn decode(text: &str) -> Result<Vec<u8>, SigningError> {
    STANDARD_PAD_INDIFFERENT.decode(text.trim()).map_err(|_| SigningError::NotBase64)
}

fn signing_key(secret_b64: &str) -> Result<SigningKey, SigningError> {
    let bytes = decode(secret_b64)?;
    let seed: [u8; 32] = match bytes.len() {
        32 | 64 => bytes[..32].try_into().map_err(|_| SigningError::SecretLength(bytes.len()))?,
        other => return Err(SigningError::SecretLength(other)),
    };
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/sdk.md §2: the RFC 8032 test-1 key.
    const SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    const SECRET_64: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
    const PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    const VECTORS: [(&str, &str, &str); 3] = [
        (
            "GET",
            "/v1/account/balances",
            "EL/Y2aPb2Ci/CAcrcS9Ya6nHoZLWrrjyeKC4ZOevcnk/BHx+bzuLF5vQDVUQlOuxElFwoHUZxlbFHeZxEQhaCw==",
        ),
        (
            "POST",
            "/v1/order/close-position",
            "BikGziSTSRuKADVK71pecBUOQIH2jmbLNqIDGthlF+0QwcguoFxGxRJXUIyKmPXfgHum3lQK6lsIpCN2dnOXAQ==",
        ),
        (
            "GET",
            "/v1/ws/private",
            "iRm0TQwqG76YaGtU18UQO81tLkw1Jyr1qqP9TjklrUuzlXe0+gQKlk/v/21RQVNUjARn4vdXy7IURJeSXeReDw==",
        ),
    ];

    #[test]
    fn message_is_timestamp_method_path() {
        assert_eq!(
            signing_message("1700000000000", "GET", "/v1/account/balances"),
            "1700000000000GET/v1/account/balances"
        );
        assert_eq!(signing_message("1", "post", "/v1/orders"), "1POST/v1/orders");
        assert_eq!(signing_message("1", "GET", "/v1/orders/open?slugs=a&slugs=b"), "1GET/v1/orders/open");
    }

    #[test]
    fn signs_the_documented_vectors_with_both_secret_forms() {
        for (method, path, expected) in VECTORS {
            let message = signing_message("1700000000000", method, path);
            assert_eq!(sign(SEED, &message).unwrap(), expected, "{message}");
            assert_eq!(sign(SECRET_64, &message).unwrap(), expected, "{message}");
        }
    }

    #[test]
    fn verifies_the_documented_vectors() {
        let public = decode_public_key(PUBLIC).unwrap();
        assert_eq!(public_key(SEED).unwrap(), public);
        assert_eq!(public_key(SECRET_64).unwrap(), public);
        for (method, path, signature) in VECTORS {
            let message = signing_message("1700000000000", method, path);
            assert!(verify(&public, &message, signature), "{message}");
            // Another timestamp, method or path does not verify.
            assert!(!verify(&public, &signing_message("1700000000001", method, path), signature));
            assert!(!verify(&public, &signing_message("1700000000000", "PUT", path), signature));
            assert!(!verify(&public, &format!("{message}?x=1"), signature));
        }
    }

    #[test]
    fn bad_inputs() {
        let public = decode_public_key(PUBLIC).unwrap();
        let message = signing_message("1700000000000", "GET", "/v1/account/balances");
        assert!(!verify(&public, &message, "not base64!"));
        assert!(!verify(&public, &message, ""));
        assert!(!verify(&public, &message, &encode_base64(&[0u8; 63])));
        assert!(!verify(&[0u8; 32], &message, VECTORS[0].2));
        assert_eq!(sign("***", &message), Err(SigningError::NotBase64));
        assert_eq!(sign(&encode_base64(&[1u8; 16]), &message), Err(SigningError::SecretLength(16)));
        assert_eq!(decode_public_key(&encode_base64(&[1u8; 31])), Err(SigningError::PublicKeyLength(31)));
    }
}
