//! `ws-bench`: the WebSocket streams under a steady order flow, against a real pmx started in
//! this process.
//!
//! Run it as `cargo run --release --bin ws-bench` (defaults: 2,000 and 5,000 orders/s, 5
//! measured seconds per scenario after 1 s of warm-up, about two minutes in all); flags:
//!
//! - `--rate 2000,5000`: the order rates, orders per second;
//! - `--subscribers 0,1,100,1000`: the market-data subscriber counts (`none`: only the
//!   baseline and the silent reader);
//! - `--seconds 5`, `--warmup 1`: the measured and warm-up seconds of each scenario;
//! - `--connections 32`: HTTP connections sending orders (a multiple of 4);
//! - `--nodelay`: set `TCP_NODELAY` on the server's listening socket (inherited by the
//!   accepted sockets; pmx itself does not set it), to see what Nagle's algorithm costs;
//! - `--no-baseline`, `--no-silent`: leave out those scenarios.
//!
//! **Scenarios**, for each rate, each on a fresh exchange ([`exchange`]) with a fresh data
//! directory: no subscriber at all (the baseline); for each subscriber count N, N market-data
//! subscribers (`SUBSCRIPTION_TYPE_MARKET_DATA` on the one market) plus one
//! `SUBSCRIPTION_TYPE_ORDER` subscriber for each of the four trading accounts; and one
//! market-data subscriber that never reads its socket ([`subscribers`]), to compare with the
//! baseline.
//!
//! **Load** ([`load`]): signed HTTP orders at a fixed rate from four accounts, resting limit
//! orders and crossing immediate-or-cancel orders in equal numbers, so the book changes with
//! every order, half of them trade, and the book stays bounded.
//!
//! **Figures** ([`report`]): orders acknowledged per second against the target, the order
//! ack latency, frames delivered per second over all subscribers, and the latency from an
//! order's acknowledgement to each frame it caused at each subscriber, market data and
//! private order frames apart (each frame is matched to its order exactly, see `report`);
//! then a diagnostic table: latency from the command's stamp (`transactTime`) to arrival,
//! CPU per thread group over the window and the machine's share taken by other processes or
//! the hypervisor ([`cpu`]), and what became of the silent reader.
//! The tables are Markdown, on stdout; progress goes to stderr. Nothing here is asserted:
//! the figures are for BENCHMARKS.md.

mod cpu;
mod exchange;
mod http;
mod load;
mod report;
mod stats;
mod subscribers;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exchange::Exchange;
use load::{Plan, Role};
use report::Outcome;
use subscribers::{Kind, Subscriber};

/// How long the lead-in before order 0 is (the workers connect meanwhile).
const LEAD_IN: Duration = Duration::from_millis(300);
/// How long the subscribers keep reading after the last acknowledgement.
const DRAIN: Duration = Duration::from_secs(1);
/// Subscribers connecting at once.
const CONNECT_BATCH: usize = 100;

/// The wall clock in ns since the Unix epoch (the clock the server stamps commands with).
pub(crate) fn wall_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_nanos()).unwrap_or(i64::MAX))
}

/// The command line.
#[derive(Clone, Debug)]
struct Options {
    rates: Vec<u64>,
    subscribers: Vec<usize>,
    seconds: u64,
    warmup: u64,
    connections: usize,
    nodelay: bool,
    baseline: bool,
    silent: bool,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            rates: vec![2_000, 5_000],
            subscribers: vec![0, 1, 100, 1_000],
            seconds: 5,
            warmup: 1,
            connections: 32,
            nodelay: false,
            baseline: true,
            silent: true,
        };
        fn list<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<Vec<T>, String> {
            let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
            if value == "none" {
                return Ok(Vec::new());
            }
            value
                .split(',')
                .map(|item| item.trim().parse().map_err(|_| format!("{flag}: bad value {item:?}")))
                .collect()
        }
        fn one<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
            let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
            value.parse().map_err(|_| format!("{flag}: bad value {value:?}"))
        }
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--rate" => options.rates = list(&arg, args.next())?,
                "--subscribers" => options.subscribers = list(&arg, args.next())?,
                "--seconds" => options.seconds = one(&arg, args.next())?,
                "--warmup" => options.warmup = one(&arg, args.next())?,
                "--connections" => options.connections = one(&arg, args.next())?,
                "--nodelay" => options.nodelay = true,
                "--no-baseline" => options.baseline = false,
                "--no-silent" => options.silent = false,
                "--help" | "-h" => return Err(String::new()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if options.connections == 0 || !options.connections.is_multiple_of(4) {
            return Err("--connections must be a positive multiple of 4".into());
        }
        if options.rates.contains(&0) || options.seconds == 0 {
            return Err("--rate and --seconds must be positive".into());
        }
        Ok(options)
    }

    fn scenarios(&self) -> Vec<(u64, Scenario)> {
        let mut scenarios = Vec::new();
        for &rate in &self.rates {
            if self.baseline {
                scenarios.push((rate, Scenario::Bare));
            }
            for &count in &self.subscribers {
                scenarios.push((rate, Scenario::Watched(count)));
            }
            if self.silent {
                scenarios.push((rate, Scenario::Silent));
            }
        }
        scenarios
    }
}

/// Who subscribes during a run.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// Nobody.
    Bare,
    /// This many market-data subscribers and the four order subscribers.
    Watched(usize),
    /// One market-data subscriber that reads nothing.
    Silent,
}

impl Scenario {
    fn label(self) -> String {
        match self {
            Scenario::Bare => "no subscribers".into(),
            Scenario::Watched(count) => format!("{} md + 4 order", stats::thousands(count as u64)),
            Scenario::Silent => "1 silent md reader".into(),
        }
    }

    fn subscribers(self) -> Vec<Kind> {
        match self {
            Scenario::Bare => Vec::new(),
            Scenario::Watched(count) => {
                Role::ALL.into_iter().map(Kind::Orders).chain(std::iter::repeat_n(Kind::MarketData, count)).collect()
            }
            Scenario::Silent => vec![Kind::Silent],
        }
    }
}

const USAGE: &str = "usage: ws-bench [--rate 2000,5000] [--subscribers 0,1,100,1000] [--seconds 5] [--warmup 1] \
                     [--connections 32] [--nodelay] [--no-baseline] [--no-silent]";

fn main() {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ws-bench: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let client = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bench-client")
        .build()
        .expect("the client runtime");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    eprintln!("ws-bench: {cores} cores, {options:?}");
    let mut outcomes = Vec::new();
    for (rate, scenario) in options.scenarios() {
        eprintln!("ws-bench: {} at {rate} orders/s ...", scenario.label());
        let outcome = run(&client, &options, rate, scenario);
        eprintln!(
            "ws-bench:   acked {}/s, ack p99 {} ms, {} frames/s",
            outcome.acked_per_s,
            outcome.ack.map_or_else(|| "-".into(), |spread| stats::ms(spread.p99)),
            outcome.frames_per_s
        );
        outcomes.push(outcome);
    }
    let nodelay = if options.nodelay { ", TCP_NODELAY on the server's sockets" } else { "" };
    println!(
        "ws-bench: {cores} cores, {} s measured per scenario after {} s of warm-up, {} HTTP connections{nodelay}\n",
        options.seconds, options.warmup, options.connections
    );
    println!("{}", report::table(&outcomes));
    println!("{}", report::diagnostics(&outcomes));
}

/// One scenario on a fresh exchange.
fn run(client: &tokio::runtime::Runtime, options: &Options, rate: u64, scenario: Scenario) -> Outcome {
    let exchange = Exchange::start(options.nodelay);
    let addr = exchange.addr;
    let options = options.clone();
    let outcome = client.block_on(async move {
        load::seed_book(addr).await;
        let mut subscribers = Vec::new();
        for kinds in scenario.subscribers().chunks(CONNECT_BATCH) {
            let connecting: Vec<_> = kinds.iter().map(|kind| tokio::spawn(Subscriber::connect(addr, *kind))).collect();
            for subscriber in connecting {
                subscribers.push(subscriber.await.expect("a subscriber connects"));
            }
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let feeds: Vec<_> =
            subscribers.into_iter().map(|subscriber| tokio::spawn(subscriber.run(stopped.clone()))).collect();

        let plan = Plan {
            rate,
            orders: rate * (options.warmup + options.seconds),
            measured_from: rate * options.warmup,
            start: tokio::time::Instant::now() + LEAD_IN,
            start_wall_ns: wall_ns() + i64::try_from(LEAD_IN.as_nanos()).unwrap_or(0),
        };
        let window = (
            plan.start + Duration::from_secs(options.warmup),
            plan.start + Duration::from_secs(options.warmup + options.seconds),
        );
        let cpu = tokio::spawn(async move {
            tokio::time::sleep_until(window.0).await;
            let (before, machine) = (cpu::sample(), cpu::machine());
            tokio::time::sleep_until(window.1).await;
            let (after, (idle, steal, total)) = (cpu::sample(), cpu::machine());
            (cpu::spent(&before, &after), (idle - machine.0, steal - machine.1, total - machine.2))
        });
        let sent = load::run(addr, plan, options.connections).await;
        let (cpu, machine) = cpu.await.expect("the CPU sampler");
        tokio::time::sleep(DRAIN).await;
        let _ = stop.send(true);
        let mut recorded = Vec::with_capacity(feeds.len());
        for feed in feeds {
            recorded.push(feed.await.expect("a subscriber's records"));
        }
        report::analyze(scenario.label(), &plan, &sent, &recorded, cpu, machine)
    });
    exchange.stop();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_read() {
        let args = |text: &str| text.split_whitespace().map(str::to_owned).collect::<Vec<_>>().into_iter();
        let options = Options::parse(args("--rate 3000 --subscribers 0,10 --seconds 2 --nodelay")).unwrap();
        assert_eq!(
            (options.rates, options.subscribers, options.seconds, options.nodelay),
            (vec![3000], vec![0, 10], 2, true)
        );
        assert!(Options::parse(args("--connections 6")).is_err());
        assert!(Options::parse(args("--bogus")).is_err());
        let scenarios = Options::parse(args("--rate 1,2 --subscribers 5")).unwrap().scenarios();
        assert_eq!(scenarios.len(), 6);
        assert_eq!(Options::parse(args("--subscribers none")).unwrap().scenarios().len(), 4);
    }
}
