//! `Subscriber`: a stream kept open across dropped connections.
//!
//! `Client::subscriber` connects, sends every subscription and returns; a failure there is
//! returned as is, nothing retried (a wrong key or URL should not spin). From then on `next`
//! yields `Event`s: each frame, heartbeats included; `Disconnected` when the connection is
//! lost (an error, a close frame of any code, 1008 for a reader that fell behind, a server
//! restart, or no frame at all for `idle_timeout`) or a reconnect attempt fails, with the wait
//! before the next attempt; `Reconnected` once a new connection is open and every
//! subscription was sent on it again. Frames sent while disconnected are lost: the
//! subscriptions that start with a snapshot (order snapshot, balances, market data) send it
//! again after `Reconnected`, the others resume with the next change.
//!
//! The wait before attempt `n` is `retry::backoff` (exponential with equal jitter, capped at
//! `backoff_max`), or the `Retry-After` of a 429 capped likewise. The attempt count restarts
//! once a connection delivers a frame, so a server that accepts and drops at once is not
//! hammered. A refusal that retrying cannot fix (401, 403, 404, 400, missing credentials) ends
//! the subscriber with that error, as does running out of `max_attempts`. It stops on `close`
//! (close frame 1000 `OK`) or when dropped. `next` is cancel-safe: a `select!` against
//! Ctrl-C loses no frame and no place in the backoff.

use std::time::Duration;

use protocol::{Stream, Subscribe};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::retry;
use crate::stream::connection::{Frame, Read, StreamConnection};

/// How a `Subscriber` reconnects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// The first backoff step.
    pub backoff_base: Duration,
    /// The largest backoff step (and the cap on a 429's `Retry-After`).
    pub backoff_max: Duration,
    /// Reconnect attempts in a row before giving up (`None`: never give up).
    pub max_attempts: Option<u32>,
    /// A connection that sends no frame for this long is taken as lost (the server sends a
    /// heartbeat every 5 s by default).
    pub idle_timeout: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> ReconnectPolicy {
        ReconnectPolicy {
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_attempts: None,
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// What a `Subscriber` yields.
#[derive(Debug)]
pub enum Event {
    /// A frame, as received.
    Frame(Frame),
    /// The connection was lost, or reconnect attempt `attempt - 1` failed, because of
    /// `error`; attempt `attempt` starts after `retry_in`.
    Disconnected { error: Error, attempt: u32, retry_in: Duration },
    /// Connected again (on attempt `attempts`) and every subscription sent again; frames of
    /// the gap are lost.
    Reconnected { attempts: u32 },
}

enum State {
    /// Boxed: a socket is over a kilobyte, the other states a few words.
    Open {
        connection: Box<StreamConnection>,
        heard_at: Instant,
        heard: bool,
    },
    Waiting {
        until: Instant,
        attempt: u32,
    },
    Done,
}

/// A stream with its subscriptions, reconnected when it drops.
pub struct Subscriber {
    client: Client,
    stream: Stream,
    subscriptions: Vec<Subscribe>,
    policy: ReconnectPolicy,
    state: State,
    /// Connections lost or attempts failed since the last frame.
    failures: u32,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Open { .. } => "open",
            State::Waiting { .. } => "waiting",
            State::Done => "done",
        };
        f.debug_struct("Subscriber")
            .field("stream", &self.stream)
            .field("subscriptions", &self.subscriptions)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens `stream`, sends `subscriptions`, and keeps them across reconnects with this
    /// client's `ReconnectPolicy`.
    pub async fn subscriber(&self, stream: Stream, subscriptions: Vec<Subscribe>) -> Result<Subscriber, Error> {
        let connection = open(self, stream, &subscriptions).await?;
        Ok(Subscriber {
            client: self.clone(),
            stream,
            subscriptions,
            policy: self.reconnect.clone(),
            state: State::Open { connection: Box::new(connection), heard_at: Instant::now(), heard: false },
            failures: 0,
        })
    }
}

async fn open(client: &Client, stream: Stream, subscriptions: &[Subscribe]) -> Result<StreamConnection, Error> {
    let mut connection = client.connect_stream(stream).await?;
    for subscribe in subscriptions {
        connection.subscribe(subscribe).await?;
    }
    Ok(connection)
}

/// True for the failures another attempt may get past.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Api(api) => retry::is_retryable_status(api.status),
        Error::Transport { .. } | Error::Stream { .. } | Error::StreamClosed { .. } => true,
        _ => false,
    }
}

impl Subscriber {
    /// The stream.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// The subscriptions sent on every connection.
    pub fn subscriptions(&self) -> &[Subscribe] {
        &self.subscriptions
    }

    /// Adds a subscription (replacing one with the same request id) and sends it now when
    /// connected. It is kept even if sending fails: the next connection sends it.
    pub async fn subscribe(&mut self, subscribe: Subscribe) -> Result<(), Error> {
        self.subscriptions.retain(|kept| kept.request_id != subscribe.request_id);
        self.subscriptions.push(subscribe.clone());
        match &mut self.state {
            State::Open { connection, .. } => connection.subscribe(&subscribe).await,
            State::Waiting { .. } | State::Done => Ok(()),
        }
    }

    /// Drops a subscription and sends its unsubscribe now when connected.
    pub async fn unsubscribe(&mut self, request_id: &str) -> Result<(), Error> {
        self.subscriptions.retain(|kept| kept.request_id != request_id);
        match &mut self.state {
            State::Open { connection, .. } => connection.unsubscribe(request_id).await,
            State::Waiting { .. } | State::Done => Ok(()),
        }
    }

    /// The next event; `None` after the subscriber has ended (a final `Err` says why).
    pub async fn next(&mut self) -> Option<Result<Event, Error>> {
        match &mut self.state {
            State::Done => None,
            State::Open { connection, heard_at, heard } => {
                let deadline = *heard_at + self.policy.idle_timeout;
                let error = match tokio::time::timeout_at(deadline, connection.read()).await {
                    Ok(Read::Frame(frame)) => {
                        *heard_at = Instant::now();
                        *heard = true;
                        return Some(Ok(Event::Frame(frame)));
                    }
                    Ok(Read::Undecodable(error)) => return Some(Err(error)),
                    Ok(Read::Ended(error)) => error.unwrap_or_else(|| Error::Stream {
                        url: connection.url().to_owned(),
                        reason: "the connection is closed".to_owned(),
                    }),
                    Err(_) => Error::Stream {
                        url: connection.url().to_owned(),
                        reason: format!("no frame for {} ms", self.policy.idle_timeout.as_millis()),
                    },
                };
                if *heard {
                    self.failures = 0;
                }
                Some(self.retry_after(error))
            }
            State::Waiting { until, attempt } => {
                let attempt = *attempt;
                tokio::time::sleep_until(*until).await;
                match open(&self.client, self.stream, &self.subscriptions).await {
                    Ok(connection) => {
                        let connection = Box::new(connection);
                        self.state = State::Open { connection, heard_at: Instant::now(), heard: false };
                        Some(Ok(Event::Reconnected { attempts: attempt }))
                    }
                    Err(error) => Some(self.retry_after(error)),
                }
            }
        }
    }

    /// Schedules the next attempt after `error`, or ends the subscriber when it cannot help.
    fn retry_after(&mut self, error: Error) -> Result<Event, Error> {
        let attempt = self.failures.saturating_add(1);
        let out_of_attempts = self.policy.max_attempts.is_some_and(|max| attempt > max);
        if !is_retryable(&error) || out_of_attempts {
            self.state = State::Done;
            return Err(error);
        }
        let backoff = retry::backoff(self.policy.backoff_base, self.policy.backoff_max, self.failures, retry::random());
        let retry_in = match error.api().and_then(|api| api.retry_after) {
            Some(retry_after) => retry_after.min(self.policy.backoff_max),
            None => backoff,
        };
        self.failures = attempt;
        self.state = State::Waiting { until: Instant::now() + retry_in, attempt };
        Ok(Event::Disconnected { error, attempt, retry_in })
    }

    /// Closes the current connection (close frame 1000 `OK`) and ends the subscriber.
    pub async fn close(mut self) -> Result<(), Error> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Open { connection, .. } => connection.close().await,
            State::Waiting { .. } | State::Done => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    #[test]
    fn refusals_that_retrying_cannot_fix_end_the_subscriber() {
        let api = |status| Error::Api(ApiError::from_reply(status, "", "c".into(), None, "{}"));
        for status in [429, 500, 503, 408] {
            assert!(is_retryable(&api(status)), "{status}");
        }
        for status in [400, 401, 403, 404] {
            assert!(!is_retryable(&api(status)), "{status}");
        }
        let url = String::from("ws://x");
        assert!(is_retryable(&Error::StreamClosed { url: url.clone(), code: 1008, reason: "slow".into() }));
        assert!(is_retryable(&Error::Stream { url: url.clone(), reason: "reset".into() }));
        assert!(is_retryable(&Error::Transport {
            url,
            reason: "refused".into(),
            timed_out: false,
            correlation_id: "c".into()
        }));
        assert!(!is_retryable(&Error::MissingCredentials));
    }

    #[test]
    fn reconnect_backoff_grows_to_its_cap_with_equal_jitter() {
        let policy = ReconnectPolicy::default();
        let ms = |retry, random| retry::backoff(policy.backoff_base, policy.backoff_max, retry, random).as_millis();
        assert_eq!((ms(0, 0), ms(0, 250)), (250, 500));
        assert_eq!((ms(3, 0), ms(3, 2_000)), (2_000, 4_000));
        // 0.5 s * 2^6 = 32 s, past the 30 s cap.
        assert_eq!((ms(6, 0), ms(6, 15_000), ms(40, 15_001)), (15_000, 30_000, 15_000));
    }
}
