//! A pmx server started in-process on 127.0.0.1:0, and the built `pmx` binary run against it.
//!
//! `TestServer::start()` uses a config (`Config::parse`) with two open markets, `rain` (whole
//! contracts) and `btc` (hundredths), and three funded accounts with fixed keys whose
//! credentials files (`maker.json`, `trader.json`, `other.json`) sit in the data directory;
//! `TestServer::demo()` seeds the demo instead, as `pmx serve` does on an empty directory.
//! `pmx(args)` runs the binary with a clean environment (no `PMX_URL` or `POLYMARKET_*`
//! from the caller) and returns its exit code and output; `Watching::start(args)` runs one
//! that keeps going (`pmx watch`), reads its lines as they come and stops it with SIGINT.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, ChildStdout};

use client::protocol::OrderIntent;
use client::{Client, Credentials};
use server::{Config, Server};

pub(crate) const MAKER: (&str, &str) =
    ("6a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c201", "REREREREREREREREREREREREREREREREREREREREREQ=");
pub(crate) const TRADER: (&str, &str) =
    ("7b2c3d4e-5f6a-4b7c-9d8e-9fa0b1c2d302", "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU=");
pub(crate) const OTHER: (&str, &str) =
    ("8c3d4e5f-6a7b-4c8d-ae9f-a0b1c2d3e403", "ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=");

const ENVIRONMENT: [&str; 5] =
    ["PMX_URL", "POLYMARKET_KEY_ID", "POLYMARKET_SECRET_KEY", "POLYMARKET_US_KEY_ID", "POLYMARKET_US_SECRET_KEY"];

/// A running server; stopped when dropped.
pub(crate) struct TestServer {
    pub(crate) url: String,
    pub(crate) dir: PathBuf,
    _serving: testkit::Serving,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// The test config, with a credentials file per account in the data directory.
    pub(crate) async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        for (name, (key_id, secret)) in [("maker", MAKER), ("trader", TRADER), ("other", OTHER)] {
            let json = format!("{{\"keyId\": \"{key_id}\", \"secretKey\": \"{secret}\"}}\n");
            std::fs::write(dir.path().join(format!("{name}.json")), json).unwrap();
        }
        let config = Config::parse(&testkit::two_market_config(dir.path(), 0, [MAKER, TRADER, OTHER])).unwrap();
        TestServer::run(config, dir).await
    }

    /// The demo, as `pmx serve` seeds it on an empty data directory (without a rate limit).
    pub(crate) async fn demo() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_path_buf(), requests_per_second: 0, ..Config::default() };
        TestServer::run(config, dir).await
    }

    async fn run(config: Config, dir: tempfile::TempDir) -> TestServer {
        let serving = testkit::Serving::spawn(Server::start(&config).unwrap()).await;
        TestServer { url: serving.url(), dir: dir.path().to_path_buf(), _serving: serving, _dir: dir }
    }

    /// The path of a credentials file in the data directory, as a string argument.
    pub(crate) fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Runs `pmx` with `--url` of this server, as `account` (a credentials file name without
    /// `.json`), and `args`.
    pub(crate) async fn pmx_as(&self, account: &str, args: &[&str]) -> Run {
        let file = self.file(&format!("{account}.json"));
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--url", &self.url, "--credentials", &file]);
        pmx(&all, &[]).await
    }

    /// A library client for setting up a scene, signing with `key`.
    pub(crate) fn client(&self, key: (&str, &str)) -> Client {
        let credentials = Credentials::new(key.0, key.1).unwrap();
        Client::builder().base_url(&self.url).credentials(credentials).max_retries(0).build().unwrap()
    }
}

/// What a run of `pmx` did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub(crate) fn ok(self) -> String {
        assert_eq!(self.code, 0, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        assert!(self.stderr.is_empty(), "stderr: {}", self.stderr);
        self.stdout
    }

    /// Asserts success and parses stdout as one JSON value.
    #[track_caller]
    pub(crate) fn json(self) -> serde_json::Value {
        let stdout = self.ok();
        assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"))
    }

    /// Asserts failure with `code`, nothing on stdout and one `error: ` line on stderr;
    /// returns that line.
    #[track_caller]
    pub(crate) fn error(self, code: i32) -> String {
        assert_eq!(self.code, code, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        assert!(self.stdout.is_empty(), "stdout: {}", self.stdout);
        assert_eq!(self.stderr.lines().count(), 1, "one line: {}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        self.stderr.trim_end().to_owned()
    }
}

/// Runs the built `pmx` with `args` and `env`, nothing inherited from the caller's API settings.
pub(crate) async fn pmx(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pmx"));
    command.args(args);
    for name in ENVIRONMENT {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A `pmx` that runs until stopped, read line by line.
pub(crate) struct Watching {
    child: Child,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Watching {
    /// Starts `pmx` with `args`, nothing inherited from the caller's API settings.
    pub(crate) fn start(args: &[&str]) -> Watching {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pmx"));
        command.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        command.kill_on_drop(true);
        for name in ENVIRONMENT {
            command.env_remove(name);
        }
        let mut child = command.spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Watching { child, stdout }
    }

    /// The next line on stdout (panics after 20 s, or if stdout ends).
    pub(crate) async fn line(&mut self) -> String {
        let line = tokio::time::timeout(Duration::from_secs(20), self.stdout.next_line()).await;
        line.expect("a line within 20 s").unwrap().expect("pmx is still running")
    }

    /// The next line on stdout within `wait`, if one comes.
    pub(crate) async fn line_within(&mut self, wait: Duration) -> Option<String> {
        tokio::time::timeout(wait, self.stdout.next_line()).await.ok().and_then(Result::ok).flatten()
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit: what it did, with the rest of its output.
    pub(crate) async fn interrupt(self) -> Run {
        let pid = self.child.id().expect("still running");
        let status = std::process::Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
        assert!(status.success());
        self.wait().await
    }

    /// Waits for the exit (at most 20 s).
    pub(crate) async fn wait(mut self) -> Run {
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await.expect("an exit").unwrap();
        let mut stdout = String::new();
        while let Ok(Some(line)) = self.stdout.next_line().await {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).await.unwrap();
        }
        Run { code: status.code().unwrap_or(-1), stdout, stderr }
    }
}

pub(crate) use testkit::closed_port_url;

pub(crate) use testkit::limit_order as limit;

/// Gives `trader` a long (`BuyLong`) or short (`BuyShort`) of `quantity` in `slug`, traded
/// with the maker at 0.60 (long) or 0.40 (short).
pub(crate) async fn open_position(server: &TestServer, slug: &str, intent: OrderIntent, quantity: &str) {
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    let (opposite, price) = match intent {
        OrderIntent::BuyLong => (OrderIntent::BuyShort, "0.60"),
        _ => (OrderIntent::BuyLong, "0.40"),
    };
    maker.create_order(&limit(slug, opposite, price, quantity)).await.unwrap();
    trader.create_order(&limit(slug, intent, price, quantity)).await.unwrap();
}
