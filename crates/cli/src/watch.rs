//! `pmx watch`: one subscription followed with the client's reconnecting `Subscriber`, one
//! line per event on stdout, until Ctrl-C (or SIGTERM).
//!
//! - The readable view is `render::stream_lines`; heartbeats print nothing. With `--json`
//!   every frame is printed as received, heartbeats included, one per line.
//! - A lost connection prints `stream lost: <why>; reconnecting in <ms> ms (attempt <n>)` on
//!   stderr, and a new one `reconnected: events while disconnected may be missing`; the
//!   snapshot-bearing subscriptions (book, balances) print their state again after it.
//! - A frame that does not decode prints a `warning: ` line on stderr and the watch goes on.
//! - Ctrl-C sends the close frame (1000 `OK`) and exits 0; so does a closed stdout
//!   (`pmx watch trades rain | head -3`).
//! - An error frame (the server refused the subscription: unknown market, ...), a refused
//!   connection (401, 404, ...) or running out of reconnect attempts is one `error: ` line
//!   and exit 1.

use std::io::Write as _;

use client::protocol::{ServerFrame, Stream, Subscribe};
use client::{Client, Event};

use crate::commands::CliError;
use crate::render;

/// How frames are shown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    /// Book levels shown per side.
    pub(crate) depth: usize,
    /// Print each frame as received.
    pub(crate) json: bool,
}

/// Follows `subscribe` on `stream` until stopped.
pub(crate) async fn run(client: &Client, stream: Stream, subscribe: Subscribe, view: View) -> Result<(), CliError> {
    let stop = crate::shutdown_signal();
    tokio::pin!(stop);
    let mut subscriber = tokio::select! {
        subscriber = client.subscriber(stream, vec![subscribe]) => subscriber?,
        () = &mut stop => return Ok(()),
    };
    loop {
        let event = tokio::select! {
            event = subscriber.next() => event,
            () = &mut stop => {
                // Stopping: a failed close frame changes nothing for the user.
                let _ = subscriber.close().await;
                return Ok(());
            }
        };
        let frame = match event {
            None => return Ok(()),
            Some(Err(error @ client::Error::Frame { .. })) => {
                eprintln!("warning: {error}");
                continue;
            }
            Some(Err(error)) => return Err(error.into()),
            Some(Ok(Event::Disconnected { error, attempt, retry_in })) => {
                eprintln!("stream lost: {error}; reconnecting in {} ms (attempt {attempt})", retry_in.as_millis());
                continue;
            }
            Some(Ok(Event::Reconnected { .. })) => {
                eprintln!("reconnected: events while disconnected may be missing");
                continue;
            }
            Some(Ok(Event::Frame(frame))) => frame,
        };
        let text = if view.json { format!("{}\n", frame.text) } else { render::stream_lines(&frame.frame, view.depth) };
        let mut stdout = std::io::stdout();
        if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
            let _ = subscriber.close().await;
            return Ok(());
        }
        if let ServerFrame::Error { error, .. } = frame.frame {
            let _ = subscriber.close().await;
            return Err(CliError::Other(format!("the server refused the subscription: {error}")));
        }
    }
}
