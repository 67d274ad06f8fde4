//! `pmx-crashtest`: the kill -9 crash test of pmx (docs/interface.md §4.1: no reply goes out
//! before its command is durable; the state is a pure function of the journal).
//!
//! It writes a config (three open markets, one of them partial-contract; a maker and four
//! traders with keys), starts `pmx serve` on a free loopback port with a fresh data directory,
//! and then, cycle after cycle: drives it from one concurrent client per account, sends
//! SIGKILL at a seeded random moment while requests are in flight, restarts pmx on the same
//! data directory, and checks the recovered exchange (`verify`) against an offline replay of
//! its journal (`replay`) and against every reply the clients were given (`workload`). In some
//! cycles pmx is killed a second time while it recovers, or a torn record is appended to the
//! journal before the restart (what a power cut mid-write leaves; a kill -9 cannot), which pmx
//! must cut off and log. The next cycle drives the restarted server. Each cycle also has one
//! `/v1/ws/private` order subscriber per account, and every execution a subscriber received
//! before the kill must be in the recovered journal as shown.
//!
//! ```text
//! pmx-crashtest [--pmx PATH] [--cycles N] [--seed SEED] [--report FILE|-] [--keep]
//! ```
//!
//! Prints the seed, one line per cycle, and a last line `crashtest: N passed, M failed`; exits
//! non-zero on the first failed cycle, after printing what is wrong and keeping the work
//! directory (config, data directory, pmx log). `--seed` reproduces a run's choices (the kill
//! moments and every request); timing decides how far the clients get. `--report` writes the
//! result as a markdown snippet for RELIABILITY.md.
//!
//! Parts:
//! - `world`: the markets and accounts, the config file, exact decimals;
//! - `pmx`: the child process (start, ready line, kill -9) and its log;
//! - `http`: the signing HTTP client;
//! - `workload`: the clients, the requests and the record of their outcomes;
//! - `replay`: the offline replay of the journal with the `journal` and `engine` crates;
//! - `verify`: the checks after each restart;
//! - `report`: the cycle lines, the summary and the markdown result;
//! - `subscriber`: one stream subscriber per account during each cycle; every execution it
//!   received must be in the recovered journal, as it was shown;
//! - `rng`: the seeded random numbers.

mod http;
mod pmx;
mod replay;
mod report;
mod rng;
mod subscriber;
mod verify;
mod workload;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::http::Api;
use crate::pmx::{Launch, Pmx};
use crate::report::{CycleLine, Summary};
use crate::rng::Rng;
use crate::verify::{Memory, Tally};
use crate::workload::Driver;

/// The kill comes this long after the clients start, at random (seeded).
const KILL_AFTER_MS_MIN: u64 = 150;
const KILL_AFTER_MS_MAX: u64 = 1_200;
/// In this share of the cycles (percent), pmx is also killed -9 while it recovers: started,
/// and killed at a random moment within the time its previous start took to get ready,
/// before the restart that is checked.
const RECOVERY_KILL_PERCENT: u64 = 30;
/// In this share of the cycles (percent), a torn record (1 to `TEAR_BYTES_MAX` random bytes)
/// is appended to the journal after the kill, as a power cut mid-write would leave; the
/// restart must cut it off and log it. (Never in the same cycle as a kill during recovery,
/// which may cut the tail before it could log it.)
const TEAR_PERCENT: u64 = 20;
const TEAR_BYTES_MAX: u64 = 64;
/// Every this many cycles (and in the last one) all trade activities are read again from the
/// first, not only the new ones.
const FULL_CHECK_EVERY: u32 = 10;
/// Tries to find the server idle (the same `lastSeq` before and after copying the journal).
const IDLE_TRIES: usize = 5;

struct Args {
    pmx: PathBuf,
    cycles: u32,
    seed: u64,
    report: Option<String>,
    keep: bool,
}

const USAGE: &str = "usage: pmx-crashtest [--pmx PATH] [--cycles N] [--seed SEED] [--report FILE|-] [--keep]";

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { pmx: PathBuf::from("target/debug/pmx"), cycles: 20, seed: default_seed(), report: None, keep: false };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |name: &str| words.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match word.as_str() {
            "--pmx" => args.pmx = PathBuf::from(value("--pmx")?),
            "--cycles" => {
                let text = value("--cycles")?;
                args.cycles = text.parse().map_err(|_| format!("--cycles {text:?} is not a count"))?;
            }
            "--seed" => {
                let text = value("--seed")?;
                args.seed = text.parse().map_err(|_| format!("--seed {text:?} is not an unsigned integer"))?;
            }
            "--report" => args.report = Some(value("--report")?),
            "--keep" => args.keep = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if args.cycles == 0 {
        return Err("--cycles must be at least 1".to_owned());
    }
    Ok(args)
}

fn default_seed() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
    (u64::try_from(nanos & u128::from(u64::MAX)).unwrap_or(0) ^ u64::from(std::process::id())) % 1_000_000_000_000
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("crashtest: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut summary = Summary::new(args.seed, args.cycles);
    // On SIGINT or SIGTERM the run is dropped, and with it the pmx child (killed on drop) and
    // the work directory.
    let interrupted = runtime.block_on(async {
        tokio::select! {
            () = run(&args, &mut summary) => None,
            signal = interrupted() => Some(signal),
        }
    });
    summary.elapsed = started.elapsed();
    if let Some(signal) = interrupted {
        summary.fail(format!("interrupted by {signal} (pmx was killed, the work directory removed)"));
    }
    println!("crashtest: {} passed, {} failed", summary.passed, summary.failed);
    if let Some(target) = &args.report {
        let markdown = report::markdown(&summary);
        if target == "-" {
            print!("{markdown}");
        } else if let Err(error) = std::fs::write(target, markdown) {
            eprintln!("crashtest: writing the report to {target}: {error}");
            return ExitCode::FAILURE;
        }
    }
    if summary.failed == 0 && summary.error.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Resolves on SIGINT or SIGTERM, with the signal's name.
async fn interrupted() -> &'static str {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match terminate.as_mut() {
            Some(terminate) => {
                terminate.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        () = terminated => "SIGTERM",
    }
}

/// The whole run; every failure ends up in the summary.
async fn run(args: &Args, summary: &mut Summary) {
    println!(
        "crashtest: seed {} ({} cycles, pmx {}); reproduce with --seed {}",
        args.seed,
        args.cycles,
        args.pmx.display(),
        args.seed
    );
    let work = match tempfile::Builder::new().prefix("pmx-crashtest-").tempdir() {
        Ok(work) => work,
        Err(error) => {
            summary.fail(format!("creating a work directory: {error}"));
            return;
        }
    };
    let launch = Launch {
        binary: args.pmx.clone(),
        config: work.path().join("pmx.toml"),
        data_dir: work.path().join("data"),
        log: work.path().join("pmx.log"),
    };
    let outcome = cycles(args, &launch, work.path(), summary).await;
    if let Err(error) = outcome {
        summary.fail(error);
    }
    if summary.error.is_some() || args.keep {
        let kept = work.keep();
        eprintln!("crashtest: work directory kept: {} (pmx.toml, data/, pmx.log)", kept.display());
    }
}

/// Starts pmx and runs the cycles. An `Err` is a failure that ends the run.
async fn cycles(args: &Args, launch: &Launch, work: &std::path::Path, summary: &mut Summary) -> Result<(), String> {
    let accounts = world::accounts();
    let config = world::config_text(&launch.data_dir, &accounts)?;
    std::fs::write(&launch.config, config).map_err(|error| format!("writing the config: {error}"))?;
    if !args.pmx.is_file() {
        return Err(format!(
            "no pmx binary at {} (build it: cargo build --bin pmx, or pass --pmx)",
            args.pmx.display()
        ));
    }

    let mut rng = Rng::new(args.seed);
    let mut kill_rng = rng.fork(u64::MAX);
    let mut drivers: Vec<Driver> = accounts
        .iter()
        .enumerate()
        .map(|(index, account)| Driver::new(index, account, rng.fork(index as u64)))
        .collect();
    let mut memory = Memory::default();
    let mut torn_seen = 0usize;

    let starting = Instant::now();
    let mut server = Pmx::start(launch).await?;
    let mut start_took = starting.elapsed();
    let first = verify::server_state(&Api::new(server.addr)?).await?;
    memory.boundaries.push(first.last_seq);

    for cycle in 1..=args.cycles {
        let cycle_started = Instant::now();
        let api = Api::new(server.addr)?;
        let kill_after = Duration::from_millis(kill_rng.between(KILL_AFTER_MS_MIN, KILL_AFTER_MS_MAX));
        let subscribers = subscriber::Subscribers::start(server.addr, &accounts).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> =
            drivers.drain(..).map(|driver| tokio::spawn(driver.drive(api.clone(), cycle, stop.clone()))).collect();
        tokio::time::sleep(kill_after).await;
        let in_flight = tasks.iter().filter(|task| !task.is_finished()).count();
        if !server.is_running() {
            return Err(format!(
                "cycle {cycle}: pmx exited on its own before the kill; its log:\n{}",
                pmx::log_tail(&launch.log)
            ));
        }
        server.kill9().await?;
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            drivers.push(task.await.map_err(|error| format!("a client task failed: {error}"))?);
        }
        let streamed = subscribers.finish().await.map_err(|error| format!("cycle {cycle}: {error}"))?;

        let torn_bytes = if kill_rng.percent(TEAR_PERCENT) {
            let length = kill_rng.between(1, TEAR_BYTES_MAX);
            let bytes: Vec<u8> = (0..length).map(|_| kill_rng.next_u64().to_le_bytes()[0]).collect();
            pmx::tear_journal(&launch.data_dir, &bytes)?;
            bytes.len()
        } else {
            0
        };
        let mut recovery_kill = None;
        if torn_bytes == 0 && kill_rng.percent(RECOVERY_KILL_PERCENT) {
            let window = u64::try_from(start_took.as_millis()).unwrap_or(u64::MAX);
            let after = Duration::from_millis(kill_rng.below(window + 1));
            let ready = Pmx::start_and_kill(launch, after)
                .await
                .map_err(|error| format!("cycle {cycle}: pmx failed while recovering (before a kill -9): {error}"))?;
            recovery_kill = Some((after, ready));
        }
        let line = |torn| CycleLine {
            cycle,
            cycles: args.cycles,
            kill_after,
            in_flight,
            recovery_kill,
            torn_bytes,
            torn,
            elapsed: cycle_started.elapsed(),
        };
        let starting = Instant::now();
        server = match Pmx::start(launch).await {
            Ok(server) => {
                start_took = starting.elapsed();
                server
            }
            Err(error) => {
                println!("{}", line(0).failed());
                summary.failed += 1;
                return Err(format!("cycle {cycle} (seed {}): restarting pmx after the kill: {error}", args.seed));
            }
        };
        let api = Api::new(server.addr)?;
        let torn_now = pmx::torn_tails_logged(&launch.log);
        let torn = torn_now.saturating_sub(torn_seen);
        torn_seen = torn_now;

        if torn_bytes > 0 && torn == 0 {
            println!("{}", line(torn).failed());
            summary.failed += 1;
            return Err(format!(
                "cycle {cycle} (seed {}): {torn_bytes} torn bytes were appended to the journal, but pmx did not log \
                 cutting a torn tail at start-up; its log:\n{}",
                args.seed,
                pmx::log_tail(&launch.log)
            ));
        }
        let full = cycle % FULL_CHECK_EVERY == 0 || cycle == args.cycles;
        let subject = verify::Subject { cycle, api: &api, drivers: &drivers, accounts: &accounts };
        match check(&subject, launch, work, &mut memory, full, &streamed).await {
            Ok((tally, last_seq)) => {
                println!("{}", line(torn).passed(&tally, last_seq));
                summary.passed += 1;
                summary.torn += torn as u64;
                summary.tears += u64::from(torn_bytes > 0);
                summary.recovery_kills += u64::from(recovery_kill.is_some());
                summary.tally.add(&tally);
            }
            Err(error) => {
                println!("{}", line(torn).failed());
                summary.failed += 1;
                return Err(format!("cycle {cycle} (seed {}): {error}", args.seed));
            }
        }
    }
    server.kill9().await?;
    Ok(())
}

/// Replays a copy of the journal while the server is idle, then runs every check.
async fn check(
    subject: &verify::Subject<'_>,
    launch: &Launch,
    work: &std::path::Path,
    memory: &mut Memory,
    full: bool,
    streamed: &[subscriber::Received],
) -> Result<(Tally, u64), String> {
    let copy = work.join("replay");
    let check_from = memory.boundaries.last().copied().unwrap_or(0) + 1;
    for _ in 0..IDLE_TRIES {
        let api = subject.api;
        let before = verify::server_state(api).await?;
        pmx::copy_journal(&launch.data_dir, &copy)?;
        let after = verify::server_state(api).await?;
        if before != after {
            continue;
        }
        let replayed = replay::replay(&copy, check_from)?;
        let mut tally = verify::check_cycle(subject, &replayed, &after, memory, full).await?;
        tally.stream_executions = subscriber::check(streamed, &replayed.executions)?;
        let end = verify::server_state(api).await?;
        if end != after {
            return Err(format!(
                "pmx journaled commands while idle: lastSeq went from {} to {}",
                after.last_seq, end.last_seq
            ));
        }
        memory.boundaries.push(after.last_seq);
        return Ok((tally, after.last_seq));
    }
    Err(format!("pmx's lastSeq kept moving while no client was sending ({IDLE_TRIES} tries)"))
}
