//! The bench's HTTP side: signing keys and a minimal HTTP/1.1 keep-alive client.
//!
//! A general client (reqwest) would cost the bench's own CPU, which shares the machine's two
//! cores with the server; this one writes each request with one `write_all` on a
//! `TCP_NODELAY` socket and reads one response (status line, `content-length`, body), one
//! request in flight per connection. Each request is signed as the SDKs sign it
//! (`timestamp + METHOD + path`, Ed25519, base64), with the key expanded once.

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// One API key: its id and its expanded signing key.
#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) id: String,
    signing: SigningKey,
}

impl Key {
    /// A key from its id and its secret (base64 of a 32-byte seed).
    pub(crate) fn new(id: &str, secret_b64: &str) -> Key {
        let bytes = STANDARD.decode(secret_b64).expect("a base64 secret");
        let seed: [u8; 32] = bytes.as_slice().try_into().expect("a 32-byte seed");
        Key { id: id.to_owned(), signing: SigningKey::from_bytes(&seed) }
    }

    /// The public half, base64, as the config names it.
    pub(crate) fn public_base64(&self) -> String {
        STANDARD.encode(self.signing.verifying_key().to_bytes())
    }

    /// The three auth headers for `method` and `path`, signed now.
    pub(crate) fn headers(&self, method: &str, path: &str) -> [(&'static str, String); 3] {
        let ts = (crate::wall_ns() / 1_000_000).to_string();
        let message = protocol::signing_message(&ts, method, path);
        let signature = STANDARD.encode(self.signing.sign(message.as_bytes()).to_bytes());
        [
            (protocol::HEADER_ACCESS_KEY, self.id.clone()),
            (protocol::HEADER_TIMESTAMP, ts),
            (protocol::HEADER_SIGNATURE, signature),
        ]
    }
}

/// One keep-alive connection.
pub(crate) struct Connection {
    stream: TcpStream,
    host: String,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

/// A response: its status and body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Connection {
    pub(crate) async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection { stream, host: addr.to_string(), request: Vec::with_capacity(1024), buffer: Vec::new() })
    }

    /// Sends a signed `POST path` with a JSON body and reads the response.
    pub(crate) async fn post(&mut self, key: &Key, path: &str, body: &str) -> std::io::Result<Response> {
        self.request.clear();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        self.request.extend_from_slice(head.as_bytes());
        for (name, value) in key.headers("POST", path) {
            self.request.extend_from_slice(name.as_bytes());
            self.request.extend_from_slice(b": ");
            self.request.extend_from_slice(value.as_bytes());
            self.request.extend_from_slice(b"\r\n");
        }
        self.request.extend_from_slice(b"\r\n");
        self.request.extend_from_slice(body.as_bytes());
        self.stream.write_all(&self.request).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> std::io::Result<Response> {
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let head_end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            self.fill().await?;
        };
        let head =
            std::str::from_utf8(&self.buffer[..head_end]).map_err(|_| bad("a response head that is not UTF-8"))?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| bad("a response without a status"))?;
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| bad("a response without content-length"))?;
        while self.buffer.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buffer[head_end..head_end + length].to_vec();
        self.buffer.drain(..head_end + length);
        Ok(Response { status, body })
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 4096];
        let read = self.stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the server closed the connection"));
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_public_half() {
        let key = Key::new("k", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
        let [_, (_, ts), (_, signature)] = key.headers("POST", "/v1/orders");
        let public = protocol::decode_public_key(&key.public_base64()).unwrap();
        assert!(protocol::verify(&public, &protocol::signing_message(&ts, "POST", "/v1/orders"), &signature));
        assert_eq!(find(b"ab\r\n\r\ncd", b"\r\n\r\n"), Some(2));
    }
}
