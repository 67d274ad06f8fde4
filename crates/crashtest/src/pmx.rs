//! The `pmx serve` child process: start on a free loopback port, wait for the ready line, and
//! `kill -9` it. Only the child this module started is ever signalled.
//!
//! The child's stderr (its log) is appended to `pmx.log` in the work directory, so the torn
//! tails it reports at start-up can be counted and a failure can show the log's end.

use std::fs::{File, OpenOptions};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Longest wait for `pmx listening on http://ADDR` (recovery replays the whole journal).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Starts tried when the free port found was taken before pmx could bind it.
const PORT_TRIES: usize = 3;
/// Longest wait for the killed process to be reaped.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start pmx.
#[derive(Clone, Debug)]
pub(crate) struct Launch {
    pub(crate) binary: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) data_dir: PathBuf,
    pub(crate) log: PathBuf,
}

/// A running `pmx serve`.
pub(crate) struct Pmx {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Pmx {
    /// Starts pmx on a free 127.0.0.1 port and waits until it says it is listening. If another
    /// process took the port in between, tries again on another one.
    pub(crate) async fn start(launch: &Launch) -> Result<Pmx, String> {
        let mut tries = 0;
        loop {
            tries += 1;
            match Pmx::start_once(launch).await {
                Err(error) if tries < PORT_TRIES && error.contains("cannot listen on") => {}
                outcome => return outcome,
            }
        }
    }

    async fn start_once(launch: &Launch) -> Result<Pmx, String> {
        let (mut child, addr, mut lines) = spawn(launch)?;
        let ready = format!("pmx listening on http://{addr}");
        let outcome = match tokio::time::timeout(READY_TIMEOUT, wait_ready(&mut lines, &ready)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("pmx did not print {ready:?} within {} s", READY_TIMEOUT.as_secs())),
        };
        if let Err(error) = outcome {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(format!("{error}; the end of its log:\n{}", log_tail(&launch.log)));
        }
        // Keep draining stdout so pmx never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Pmx { child, addr })
    }

    /// Starts pmx and kills it -9 `after` the start, ready or not: a crash during recovery.
    /// Returns whether it had become ready; an exit of its own before the kill is an error.
    pub(crate) async fn start_and_kill(launch: &Launch, after: Duration) -> Result<bool, String> {
        let (child, addr, mut lines) = spawn(launch)?;
        let ready = format!("pmx listening on http://{addr}");
        let became_ready = match tokio::time::timeout(after, wait_ready(&mut lines, &ready)).await {
            Ok(Ok(())) => true,
            Ok(Err(error)) => return Err(format!("{error}; the end of its log:\n{}", log_tail(&launch.log))),
            Err(_) => false,
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Pmx { child, addr }.kill9().await?;
        Ok(became_ready)
    }

    /// `kill -9` (SIGKILL) and wait until the process is gone.
    pub(crate) async fn kill9(mut self) -> Result<(), String> {
        self.child.start_kill().map_err(|error| format!("kill -9 of pmx: {error}"))?;
        match tokio::time::timeout(EXIT_TIMEOUT, self.child.wait()).await {
            Ok(Ok(_status)) => Ok(()),
            Ok(Err(error)) => Err(format!("waiting for the killed pmx: {error}")),
            Err(_) => Err(format!("pmx did not exit within {} s of SIGKILL", EXIT_TIMEOUT.as_secs())),
        }
    }

    /// True while the child has not exited.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// Spawns `pmx serve` on a free port; its stdout lines are returned to wait for readiness.
fn spawn(launch: &Launch) -> Result<(Child, SocketAddr, Lines), String> {
    let addr = free_port()?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&launch.log)
        .map_err(|error| format!("opening {}: {error}", launch.log.display()))?;
    let mut child = Command::new(&launch.binary)
        .arg("serve")
        .arg("--config")
        .arg(&launch.config)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(&launch.data_dir)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("starting {}: {error}", launch.binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe to pmx")?;
    Ok((child, addr, BufReader::new(stdout).lines()))
}

/// Reads stdout until the ready line.
async fn wait_ready(lines: &mut Lines, ready: &str) -> Result<(), String> {
    loop {
        match lines.next_line().await {
            Ok(Some(line)) if line.trim() == ready => return Ok(()),
            Ok(Some(_)) => {}
            Ok(None) => return Err("pmx closed its stdout before it was ready".to_owned()),
            Err(error) => return Err(format!("reading pmx's stdout: {error}")),
        }
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<SocketAddr, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|error| format!("finding a free port: {error}"))?;
    listener.local_addr().map_err(|error| format!("finding a free port: {error}"))
}

/// The last lines of the pmx log, for failure messages.
pub(crate) fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// How many torn tails pmx has reported in its log so far.
pub(crate) fn torn_tails_logged(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap_or_default().matches("cut off a torn tail").count()
}

/// Appends `bytes` to the journal file: the start of a record whose write never completed,
/// as a power cut can leave (a kill -9 cannot). pmx must cut it off at start-up and log it.
pub(crate) fn tear_journal(data_dir: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    let path = data_dir.join(journal::format::FILE_NAME);
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|error| format!("opening {} to tear it: {error}", path.display()))?;
    file.write_all(bytes).map_err(|error| format!("tearing {}: {error}", path.display()))?;
    file.sync_all().map_err(|error| format!("syncing {}: {error}", path.display()))
}

/// Copies the journal file so it can be replayed while pmx holds its lock on the original.
pub(crate) fn copy_journal(data_dir: &Path, into: &Path) -> Result<(), String> {
    let name = journal::format::FILE_NAME;
    std::fs::create_dir_all(into).map_err(|error| format!("creating {}: {error}", into.display()))?;
    let target = into.join(name);
    let _ = std::fs::remove_file(&target);
    let mut source =
        File::open(data_dir.join(name)).map_err(|error| format!("opening the journal to copy it: {error}"))?;
    let mut copy = File::create(&target).map_err(|error| format!("creating {}: {error}", target.display()))?;
    std::io::copy(&mut source, &mut copy).map_err(|error| format!("copying the journal: {error}"))?;
    Ok(())
}
