//! Data-driven scenarios: every order flow of docs/trading.md §13, the reject reasons of §14, and
//! every close-position case of §5, each as a small script run through one `check` helper
//! (docs/style.md rule 15).
//!
//! Every expected rendering was derived by hand from docs/trading.md (or, where it is silent,
//! from the engine's module docs), not copied from the engine's output.
//!
//! # The script language
//!
//! One command per line; blank lines and lines starting with `--` are ignored. A line starting
//! with `~` runs silently (its output is dropped; it must not be rejected or fail).
//!
//! Setup:
//! - `market SLUG [tick=0.01] [min=1] [taker=0] [maker=0] [lo=0.01] [hi=0.99] [state=open]`
//! - `account NAME [cash=1000]` (creates the account and deposits `cash`)
//! - `deposit NAME AMOUNT`, `withdraw NAME AMOUNT`
//!
//! Trading:
//! - `place ACCT MKT INTENT limit [PRICE] SIZE [TIF] [post] [until=+10s] [manual|auto]`
//! - `place ACCT MKT INTENT market SIZE [fok] [ticks=N] [bips=N] [current=P]`
//!
//!   INTENT is `buy_long`, `sell_long`, `buy_short` or `sell_short`; SIZE is `x10` (contracts) or
//!   `$100` (cash); TIF is `day`, `gtc`, `gtd`, `ioc` or `fok` (absent: none given).
//! - `cancel ACCT #ID`, `cancel-all ACCT [MKT...]`
//! - `modify ACCT #ID [px=P] [qty=Q] [tif=T] [post=true|false] [until=+5s]`
//! - `close ACCT MKT [ticks=N] [bips=N] [current=P]`
//!
//! Administration and time:
//! - `status MKT open|preopen|suspended|halted`, `settle MKT VALUE`
//! - `time +5s` (advances the clock), `eod` (the day roll)
//!
//! Queries (no command is sent): `pos ACCT MKT`, `bal ACCT`, `book MKT`.
//!
//! Rendering options: `hide new fills` drops NEW and fill executions; `show balances positions`
//! adds the ledger and position events. Trades, other executions, settlement events and
//! errors are always shown.
//!
//! Each engine command gets the next sequence number and a timestamp 1 ms after the previous
//! one; `engine.check_invariants()` runs after every command.

use std::collections::BTreeMap;

use engine::{
    ClosePosition, Command, Engine, EngineError, Event, ExecKind, Execution, Intent, LedgerCause, MarketRef,
    MarketSpec, MarketState, Modify, NewOrder, Op, OrderKind, OrderState, RejectReason, ResolutionSide, Side, Size,
    Slippage, Tif, UnsolicitedCancel,
};
use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Rate, Seq, Timestamp, parse_units};

/// Runs `script` on a fresh engine and compares its rendering with `expect`.
#[track_caller]
fn check(script: &str, expect: &str) {
    let actual = Runner::new().run(script);
    let expect = normalize(expect);
    if actual != expect {
        panic!(
            "scenario mismatch\n--- script ---\n{}\n--- expected ---\n{expect}\n--- actual ---\n{actual}\n",
            normalize(script)
        );
    }
}

fn normalize(text: &str) -> String {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

// ----- the harness -----

const MS: i64 = Timestamp::NANOS_PER_MS;
/// 2026-09-25T00:00:00Z, an arbitrary start.
const START: i64 = 1_790_294_400 * Timestamp::NANOS_PER_S;

struct Runner {
    engine: Engine,
    seq: u64,
    clock: i64,
    lines: Vec<String>,
    hide_new: bool,
    hide_fills: bool,
    show_balances: bool,
    show_positions: bool,
    line: String,
}

/// A command line split into positional words and `key=value` options.
struct Args<'a> {
    words: Vec<&'a str>,
    named: BTreeMap<&'a str, &'a str>,
}

impl<'a> Args<'a> {
    fn parse(tokens: &[&'a str]) -> Args<'a> {
        let mut words = Vec::new();
        let mut named = BTreeMap::new();
        for token in tokens {
            match token.split_once('=') {
                Some((key, value)) => {
                    named.insert(key, value);
                }
                None => words.push(*token),
            }
        }
        Args { words, named }
    }

    fn word(&self, index: usize) -> &'a str {
        self.words.get(index).copied().unwrap_or_else(|| panic!("missing argument {index}"))
    }
}

impl Runner {
    fn new() -> Runner {
        Runner {
            engine: Engine::new(),
            seq: 0,
            clock: START,
            lines: Vec::new(),
            hide_new: false,
            hide_fills: false,
            show_balances: false,
            show_positions: false,
            line: String::new(),
        }
    }

    fn run(mut self, script: &str) -> String {
        for raw in script.lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with("--") {
                continue;
            }
            let (silent, line) = match line.strip_prefix('~') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            self.line = line.to_owned();
            let before = self.lines.len();
            self.run_line(line);
            if silent {
                let produced: Vec<String> = self.lines.drain(before..).collect();
                let failed = produced.iter().any(|l| l.starts_with("err ") || l.contains(" REJECTED "));
                assert!(!failed, "silent command `{line}` failed:\n{}", produced.join("\n"));
            }
        }
        self.lines.join("\n")
    }

    /// Sends one command, checks the invariants, renders what came out.
    fn send(&mut self, op: Op) {
        let (result, events) = self.apply(op);
        self.render_all(&events);
        if let Err(error) = result {
            self.lines.push(format!("err {error:?}"));
        }
    }

    fn apply(&mut self, op: Op) -> (Result<engine::Reply, EngineError>, Vec<Event>) {
        self.seq += 1;
        let command = Command { seq: Seq(self.seq), ts: Timestamp(self.clock), op };
        self.clock += MS;
        let mut events = Vec::new();
        let result = self.engine.apply(&command, &mut events);
        if let Err(violation) = self.engine.check_invariants() {
            panic!("after `{}`: {violation}", self.line);
        }
        (result, events)
    }

    fn run_line(&mut self, line: &str) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let args = Args::parse(&tokens[1..]);
        match tokens[0] {
            "market" => self.market(&args),
            "account" => self.account(&args),
            "deposit" => {
                let op = Op::Deposit { account: self.account_id(args.word(0)), amount: cash(args.word(1)) };
                self.send(op);
            }
            "withdraw" => {
                let op = Op::Withdraw { account: self.account_id(args.word(0)), amount: cash(args.word(1)) };
                self.send(op);
            }
            "place" => {
                let op = self.place(&args);
                self.send(op);
            }
            "cancel" => {
                let op = Op::CancelOrder { account: self.account_id(args.word(0)), order: order_id(args.word(1)) };
                self.send(op);
            }
            "cancel-all" => {
                let markets = args.words[1..].iter().map(|slug| self.market_id(slug)).collect();
                self.send(Op::CancelAll { account: self.account_id(args.word(0)), markets });
            }
            "modify" => {
                let op = self.modify(&args);
                self.send(op);
            }
            "close" => {
                let close = ClosePosition {
                    account: self.account_id(args.word(0)),
                    market: MarketRef::Slug(args.word(1).into()),
                    slippage: slippage(&args),
                    manual: None,
                };
                self.send(Op::ClosePosition(close));
            }
            "status" => {
                let op = Op::SetMarketState { market: self.market_id(args.word(0)), state: market_state(args.word(1)) };
                self.send(op);
            }
            "settle" => {
                let op = Op::SettleMarket { market: self.market_id(args.word(0)), value: price(args.word(1)) };
                self.send(op);
            }
            "time" => {
                self.clock += duration(args.word(0));
                self.send(Op::AdvanceTime);
            }
            "eod" => self.send(Op::EndOfDay),
            "pos" => self.query_position(args.word(0), args.word(1)),
            "bal" => self.query_balance(args.word(0)),
            "book" => self.query_book(args.word(0)),
            "hide" => {
                for word in &args.words {
                    match *word {
                        "new" => self.hide_new = true,
                        "fills" => self.hide_fills = true,
                        other => panic!("unknown hide option {other}"),
                    }
                }
            }
            "show" => {
                for word in &args.words {
                    match *word {
                        "balances" => self.show_balances = true,
                        "positions" => self.show_positions = true,
                        other => panic!("unknown show option {other}"),
                    }
                }
            }
            other => panic!("unknown command `{other}` in `{line}`"),
        }
    }

    fn market(&mut self, args: &Args) {
        let named = |key: &str, default: &'static str| args.named.get(key).copied().unwrap_or(default);
        let spec = MarketSpec {
            slug: args.word(0).to_owned(),
            title: format!("Scenario market {}", args.word(0)),
            outcome: "Yes".to_owned(),
            event_slug: "scenario".to_owned(),
            tick: price(named("tick", "0.01")),
            min_qty: qty(named("min", "1")),
            price_min: price(named("lo", "0.01")),
            price_max: price(named("hi", "0.99")),
            state: market_state(named("state", "open")),
            taker_rate: rate(named("taker", "0")),
            maker_rate: rate(named("maker", "0")),
        };
        let (result, _) = self.apply(Op::CreateMarket(spec));
        if let Err(error) = result {
            self.lines.push(format!("err {error:?}"));
        }
    }

    fn account(&mut self, args: &Args) {
        let (result, _) = self.apply(Op::CreateAccount { name: args.word(0).to_owned() });
        if let Err(error) = result {
            self.lines.push(format!("err {error:?}"));
            return;
        }
        let amount = cash(args.named.get("cash").copied().unwrap_or("1000"));
        if amount.units() > 0 {
            let (result, _) = self.apply(Op::Deposit { account: self.account_id(args.word(0)), amount });
            if let Err(error) = result {
                self.lines.push(format!("err {error:?}"));
            }
        }
    }

    fn place(&self, args: &Args) -> Op {
        let kind = match args.word(3) {
            "limit" => OrderKind::Limit,
            "market" => OrderKind::Market,
            other => panic!("unknown order kind {other}"),
        };
        let mut new = NewOrder {
            account: self.account_id(args.word(0)),
            market: MarketRef::Slug(args.word(1).into()),
            intent: intent(args.word(2)),
            kind,
            price: None,
            size: Size::Qty(Qty::ZERO),
            tif: None,
            good_till: args.named.get("until").map(|text| Timestamp(self.clock + duration(text))),
            post_only: false,
            slippage: slippage(args),
            manual: None,
        };
        for word in &args.words[4..] {
            match *word {
                "post" => new.post_only = true,
                "manual" => new.manual = Some(engine::ManualIndicator::Manual),
                "auto" => new.manual = Some(engine::ManualIndicator::Automatic),
                "day" | "gtc" | "gtd" | "ioc" | "fok" => new.tif = Some(tif(word)),
                _ if word.starts_with('x') => new.size = Size::Qty(qty(&word[1..])),
                _ if word.starts_with('$') => new.size = Size::Cash(cash(&word[1..])),
                _ if word.starts_with(|c: char| c.is_ascii_digit() || c == '.') => new.price = Some(price(word)),
                other => panic!("unknown order word {other}"),
            }
        }
        Op::PlaceOrder(new)
    }

    fn modify(&self, args: &Args) -> Op {
        let named = |key: &str| args.named.get(key).copied();
        Op::ModifyOrder(Modify {
            account: self.account_id(args.word(0)),
            order: order_id(args.word(1)),
            price: named("px").map(price),
            qty: named("qty").map(qty),
            tif: named("tif").map(tif),
            post_only: named("post").map(|text| text == "true"),
            good_till: named("until").map(|text| Timestamp(self.clock + duration(text))),
        })
    }

    fn account_id(&self, name: &str) -> AccountId {
        self.engine.account_id(name).unwrap_or(AccountId(u32::MAX))
    }

    fn market_id(&self, slug: &str) -> MarketId {
        self.engine.market_id(slug).unwrap_or(MarketId(u32::MAX))
    }

    fn account_name(&self, id: AccountId) -> String {
        self.engine.account(id).map_or_else(|| format!("?{id}"), |account| account.name.to_string())
    }

    fn market_slug(&self, id: MarketId) -> String {
        self.engine.market(id).map_or_else(|| format!("?{id}"), |market| market.spec.slug.clone())
    }

    // ----- queries -----

    fn query_position(&mut self, name: &str, slug: &str) {
        let view = self.engine.position(self.account_id(name), self.market_id(slug));
        let line = match view {
            None => format!("pos {name} {slug} none"),
            Some(view) => {
                let p = view.position;
                format!(
                    "pos {name} {slug} net={} avail={} bought={} sold={} cost={} realized={} fees={}{}",
                    p.net,
                    view.available,
                    p.bought,
                    p.sold,
                    p.cost,
                    p.realized,
                    p.fees,
                    if p.expired { " expired" } else { "" }
                )
            }
        };
        self.lines.push(line);
    }

    fn query_balance(&mut self, name: &str) {
        let line = match self.engine.balance(self.account_id(name)) {
            None => format!("bal {name} none"),
            Some(b) => {
                format!("bal {name} cash={} margin={} open={} bp={}", b.cash, b.margin, b.open_orders, b.buying_power)
            }
        };
        self.lines.push(line);
    }

    fn query_book(&mut self, slug: &str) {
        let market = self.market_id(slug);
        let side = |side| {
            let levels: Vec<String> =
                self.engine.depth(market, side, 100).iter().map(|(px, qty)| format!("{qty}@{px}")).collect();
            if levels.is_empty() { "-".to_owned() } else { levels.join(",") }
        };
        let line = format!("book {slug} bids={} asks={}", side(Side::Buy), side(Side::Sell));
        self.lines.push(line);
    }

    // ----- rendering -----

    fn render_all(&mut self, events: &[Event]) {
        for event in events {
            if let Some(line) = self.render(event) {
                self.lines.push(line);
            }
        }
    }

    fn render(&self, event: &Event) -> Option<String> {
        Some(match event {
            Event::MarketCreated { .. } | Event::AccountCreated { .. } => return None,
            Event::MarketStateChanged { market, state } => {
                format!("market {} {}", self.market_slug(*market), state_name(*state))
            }
            Event::CashMoved { account, kind, amount, .. } => {
                let kind = match kind {
                    engine::CashKind::Deposit => "deposit",
                    engine::CashKind::Withdrawal => "withdrawal",
                };
                format!("cash {} {kind} {amount}", self.account_name(*account))
            }
            Event::Execution(execution) => return self.render_execution(execution),
            Event::Trade(trade) => format!(
                "trade t{} {}@{} taker={}#{} maker={}#{}",
                trade.id,
                trade.qty,
                trade.px,
                self.account_name(trade.taker.account),
                trade.taker.order,
                self.account_name(trade.maker.account),
                trade.maker.order
            ),
            Event::PositionChanged { account, market, position } => {
                if !self.show_positions {
                    return None;
                }
                format!(
                    "position {} {} net={} cost={} realized={} fees={}{}",
                    self.account_name(*account),
                    self.market_slug(*market),
                    position.net,
                    position.cost,
                    position.realized,
                    position.fees,
                    if position.expired { " expired" } else { "" }
                )
            }
            Event::BalanceChanged { account, cash, margin, delta, cause } => {
                if !self.show_balances {
                    return None;
                }
                format!(
                    "ledger {} {} delta={delta} cash={cash} margin={margin}",
                    self.account_name(*account),
                    ledger_name(*cause)
                )
            }
            Event::Resolution(resolution) => format!(
                "resolve {} {} {} value={} net={} payout={}",
                self.account_name(resolution.account),
                self.market_slug(resolution.market),
                match resolution.side {
                    ResolutionSide::Long => "LONG",
                    ResolutionSide::Short => "SHORT",
                    ResolutionSide::Neutral => "NEUTRAL",
                },
                resolution.value,
                resolution.before.net,
                resolution.payout
            ),
            Event::MarketSettled { market, value } => format!("settled {} {value}", self.market_slug(*market)),
        })
    }

    fn render_execution(&self, execution: &Execution) -> Option<String> {
        let order = &execution.order;
        let text = match execution.note.text() {
            "" => String::new(),
            text => format!(" text=\"{text}\""),
        };
        let px = order.price.map_or_else(|| "-".to_owned(), |px| px.to_string());
        let describe = || {
            format!(
                "{} {} {} {}{} px={px} qty={}{}",
                self.account_name(order.account),
                intent_name(order.intent),
                match order.kind {
                    OrderKind::Limit => "limit",
                    OrderKind::Market => "market",
                },
                tif_name(order.tif),
                if order.close_position { " close" } else { "" },
                order.qty,
                order.cash_qty.map_or_else(String::new, |cash| format!(" cash={cash}")),
            )
        };
        let state = state_of(order.state);
        let (id, cum, leaves) = (order.id, order.cum_qty, order.leaves_qty);
        Some(match execution.kind {
            ExecKind::New => {
                if self.hide_new {
                    return None;
                }
                format!("exec #{id} NEW {} state={state}", describe())
            }
            ExecKind::Rejected => {
                let reason = execution.reject.map_or("-", reason_name);
                format!("exec #{id} REJECTED {} state={state} reason={reason}{text}", describe())
            }
            ExecKind::PartialFill | ExecKind::Fill => {
                if self.hide_fills {
                    return None;
                }
                let fill = execution.fill.expect("fill execution has fill info");
                let kind = if execution.kind == ExecKind::Fill { "FILL" } else { "PARTIAL_FILL" };
                let role = if fill.aggressor { "taker" } else { "maker" };
                let fee = if fill.fee.units() == 0 { String::new() } else { format!(" fee={}", fill.fee) };
                let mut line = format!(
                    "exec #{id} {kind} {}@{} {role}{fee} state={state} cum={cum} leaves={leaves}",
                    fill.qty, fill.px
                );
                if execution.kind == ExecKind::Fill {
                    let avg = order.avg_px_units().map_or(0, |units| units as u32);
                    line.push_str(&format!(" avg={}", Price(avg)));
                    if order.fees_total.units() != 0 {
                        line.push_str(&format!(" fees={}", order.fees_total));
                    }
                }
                line
            }
            ExecKind::Replace => format!(
                "exec #{id} REPLACE px={px} qty={} tif={} state={state} cum={cum} leaves={leaves}",
                order.qty,
                tif_name(order.tif)
            ),
            ExecKind::Canceled | ExecKind::Expired | ExecKind::DoneForDay => {
                let kind = match execution.kind {
                    ExecKind::Canceled => "CANCELED",
                    ExecKind::Expired => "EXPIRED",
                    _ => "DONE_FOR_DAY",
                };
                let unsolicited = match execution.unsolicited {
                    None => "",
                    Some(UnsolicitedCancel::ExchangeOption) => " unsolicited=EXCHANGE_OPTION",
                    Some(UnsolicitedCancel::Other) => " unsolicited=OTHER",
                };
                format!("exec #{id} {kind} state={state} cum={cum} leaves={leaves}{unsolicited}{text}")
            }
        })
    }
}

// ----- words -----

fn price(text: &str) -> Price {
    let units = parse_units(text, 4).unwrap_or_else(|e| panic!("bad price {text}: {e}"));
    Price(u32::try_from(units).unwrap_or_else(|_| panic!("price {text} out of range")))
}

fn qty(text: &str) -> Qty {
    Qty(parse_units(text, 4).unwrap_or_else(|e| panic!("bad quantity {text}: {e}")) as i64)
}

fn cash(text: &str) -> Cash {
    Cash(parse_units(text, 8).unwrap_or_else(|e| panic!("bad amount {text}: {e}")) as i64)
}

fn rate(text: &str) -> Rate {
    Rate(parse_units(text, 6).unwrap_or_else(|e| panic!("bad rate {text}: {e}")) as i64)
}

fn order_id(text: &str) -> OrderId {
    OrderId(text.trim_start_matches('#').parse().unwrap_or_else(|_| panic!("bad order id {text}")))
}

/// `+10s`, `-1s`, `500ms`, `2h` as nanoseconds.
fn duration(text: &str) -> i64 {
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => panic!("duration {text} needs a unit"),
    };
    let number: i64 = number.trim_start_matches('+').parse().unwrap_or_else(|_| panic!("bad duration {text}"));
    let unit = match unit {
        "ms" => MS,
        "s" => Timestamp::NANOS_PER_S,
        "m" => 60 * Timestamp::NANOS_PER_S,
        "h" => 3_600 * Timestamp::NANOS_PER_S,
        other => panic!("unknown duration unit {other}"),
    };
    number * unit
}

fn slippage(args: &Args) -> Option<Slippage> {
    let ticks = args.named.get("ticks").map(|t| t.parse().expect("ticks"));
    let bips = args.named.get("bips").map(|b| b.parse().expect("bips"));
    let current_price = args.named.get("current").map(|p| price(p));
    (ticks.is_some() || bips.is_some() || current_price.is_some()).then_some(Slippage { current_price, bips, ticks })
}

fn intent(text: &str) -> Intent {
    match text {
        "buy_long" => Intent::BuyLong,
        "sell_long" => Intent::SellLong,
        "buy_short" => Intent::BuyShort,
        "sell_short" => Intent::SellShort,
        other => panic!("unknown intent {other}"),
    }
}

fn intent_name(intent: Intent) -> &'static str {
    match intent {
        Intent::BuyLong => "buy_long",
        Intent::SellLong => "sell_long",
        Intent::BuyShort => "buy_short",
        Intent::SellShort => "sell_short",
    }
}

fn tif(text: &str) -> Tif {
    match text {
        "day" => Tif::Day,
        "gtc" => Tif::GoodTillCancel,
        "gtd" => Tif::GoodTillDate,
        "ioc" => Tif::ImmediateOrCancel,
        "fok" => Tif::FillOrKill,
        other => panic!("unknown tif {other}"),
    }
}

fn tif_name(tif: Tif) -> &'static str {
    match tif {
        Tif::Day => "day",
        Tif::GoodTillCancel => "gtc",
        Tif::GoodTillDate => "gtd",
        Tif::ImmediateOrCancel => "ioc",
        Tif::FillOrKill => "fok",
    }
}

fn market_state(text: &str) -> MarketState {
    match text {
        "open" => MarketState::Open,
        "preopen" => MarketState::Preopen,
        "suspended" => MarketState::Suspended,
        "halted" => MarketState::Halted,
        "expired" => MarketState::Expired,
        other => panic!("unknown market state {other}"),
    }
}

fn state_name(state: MarketState) -> &'static str {
    match state {
        MarketState::Open => "OPEN",
        MarketState::Preopen => "PREOPEN",
        MarketState::Suspended => "SUSPENDED",
        MarketState::Halted => "HALTED",
        MarketState::Expired => "EXPIRED",
    }
}

fn state_of(state: OrderState) -> &'static str {
    match state {
        OrderState::New => "NEW",
        OrderState::PartiallyFilled => "PARTIALLY_FILLED",
        OrderState::Filled => "FILLED",
        OrderState::Canceled => "CANCELED",
        OrderState::Rejected => "REJECTED",
        OrderState::Expired => "EXPIRED",
    }
}

fn reason_name(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::UnknownMarket => "UNKNOWN_MARKET",
        RejectReason::IncorrectQuantity => "INCORRECT_QUANTITY",
        RejectReason::InvalidPriceIncrement => "INVALID_PRICE_INCREMENT",
        RejectReason::IncorrectOrderType => "INCORRECT_ORDER_TYPE",
        RejectReason::PriceOutOfBounds => "PRICE_OUT_OF_BOUNDS",
        RejectReason::ExchangeOption => "EXCHANGE_OPTION",
        RejectReason::NoLiquidity => "NO_LIQUIDITY",
        RejectReason::ExchangeClosed => "EXCHANGE_CLOSED",
    }
}

fn ledger_name(cause: LedgerCause) -> &'static str {
    match cause {
        LedgerCause::Deposit => "DEPOSIT",
        LedgerCause::Withdrawal => "WITHDRAWAL",
        LedgerCause::OrderExecution => "ORDER_EXECUTION",
        LedgerCause::Commission => "COMMISSION",
        LedgerCause::Resolution => "RESOLUTION",
    }
}

// ===== scenarios =====

// ----- §13 flows -----

#[test]
fn limit_order_rests_with_new() {
    check(
        "
        market m
        account alice cash=100
        place alice m buy_long limit 0.55 x10 gtc
        book m
        bal alice
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.55 qty=10 state=NEW
        book m bids=10@0.55 asks=-
        bal alice cash=100.00 margin=0.00 open=5.50 bp=94.50
        ",
    );
}

#[test]
fn resting_order_partially_filled_then_filled() {
    check(
        "
        market m
        account alice
        account bob
        place alice m buy_long limit 0.55 x10 gtc
        place bob m buy_short limit 0.55 x4 gtc
        place bob m buy_short limit 0.55 x6 gtc
        book m
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.55 qty=10 state=NEW
        exec #2 NEW bob buy_short limit gtc px=0.55 qty=4 state=NEW
        trade t1 4@0.55 taker=bob#2 maker=alice#1
        exec #2 FILL 4@0.55 taker state=FILLED cum=4 leaves=0 avg=0.55
        exec #1 PARTIAL_FILL 4@0.55 maker state=PARTIALLY_FILLED cum=4 leaves=6
        exec #3 NEW bob buy_short limit gtc px=0.55 qty=6 state=NEW
        trade t2 6@0.55 taker=bob#3 maker=alice#1
        exec #3 FILL 6@0.55 taker state=FILLED cum=6 leaves=0 avg=0.55
        exec #1 FILL 6@0.55 maker state=FILLED cum=10 leaves=0 avg=0.55
        book m bids=- asks=-
        ",
    );
}

#[test]
fn crossing_order_fills_per_level_and_rests_remainder() {
    check(
        "
        market m
        account alice
        account bob
        account carol
        place alice m buy_short limit 0.55 x3 gtc
        place bob m buy_short limit 0.56 x4 gtc
        place carol m buy_long limit 0.56 x10 gtc
        book m
        ",
        "
        exec #1 NEW alice buy_short limit gtc px=0.55 qty=3 state=NEW
        exec #2 NEW bob buy_short limit gtc px=0.56 qty=4 state=NEW
        exec #3 NEW carol buy_long limit gtc px=0.56 qty=10 state=NEW
        trade t1 3@0.55 taker=carol#3 maker=alice#1
        exec #3 PARTIAL_FILL 3@0.55 taker state=PARTIALLY_FILLED cum=3 leaves=7
        exec #1 FILL 3@0.55 maker state=FILLED cum=3 leaves=0 avg=0.55
        trade t2 4@0.56 taker=carol#3 maker=bob#2
        exec #3 PARTIAL_FILL 4@0.56 taker state=PARTIALLY_FILLED cum=7 leaves=3
        exec #2 FILL 4@0.56 maker state=FILLED cum=4 leaves=0 avg=0.56
        book m bids=3@0.56 asks=-
        ",
    );
}

#[test]
fn price_time_priority() {
    check(
        "
        hide new fills
        market m
        account alice
        account bob
        account carol
        account dave
        place alice m buy_short limit 0.60 x5 gtc
        place bob m buy_short limit 0.60 x5 gtc
        place carol m buy_short limit 0.59 x5 gtc
        place dave m buy_long limit 0.60 x12 ioc
        book m
        ",
        "
        trade t1 5@0.59 taker=dave#4 maker=carol#3
        trade t2 5@0.60 taker=dave#4 maker=alice#1
        trade t3 2@0.60 taker=dave#4 maker=bob#2
        book m bids=- asks=3@0.60
        ",
    );
}

#[test]
fn ioc_remainder_canceled_after_partial_fill() {
    check(
        "
        market m
        account alice
        account bob
        place alice m buy_short limit 0.50 x4 gtc
        place bob m buy_long limit 0.50 x10 ioc
        book m
        ",
        r#"
        exec #1 NEW alice buy_short limit gtc px=0.50 qty=4 state=NEW
        exec #2 NEW bob buy_long limit ioc px=0.50 qty=10 state=NEW
        trade t1 4@0.50 taker=bob#2 maker=alice#1
        exec #2 PARTIAL_FILL 4@0.50 taker state=PARTIALLY_FILLED cum=4 leaves=6
        exec #1 FILL 4@0.50 maker state=FILLED cum=4 leaves=0 avg=0.50
        exec #2 CANCELED state=CANCELED cum=4 leaves=0 text="unfilled remainder of an immediate order canceled"
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn market_order_walks_the_book_and_cancels_remainder() {
    // A market order never rests: a GTC given with it is ignored (it behaves as IOC).
    check(
        "
        market m
        account alice
        account bob
        place alice m buy_short limit 0.50 x4 gtc
        place alice m buy_short limit 0.70 x1 gtc
        place bob m buy_long market x10 gtc
        book m
        ",
        r#"
        exec #1 NEW alice buy_short limit gtc px=0.50 qty=4 state=NEW
        exec #2 NEW alice buy_short limit gtc px=0.70 qty=1 state=NEW
        exec #3 NEW bob buy_long market ioc px=- qty=10 state=NEW
        trade t1 4@0.50 taker=bob#3 maker=alice#1
        exec #3 PARTIAL_FILL 4@0.50 taker state=PARTIALLY_FILLED cum=4 leaves=6
        exec #1 FILL 4@0.50 maker state=FILLED cum=4 leaves=0 avg=0.50
        trade t2 1@0.70 taker=bob#3 maker=alice#2
        exec #3 PARTIAL_FILL 1@0.70 taker state=PARTIALLY_FILLED cum=5 leaves=5
        exec #2 FILL 1@0.70 maker state=FILLED cum=1 leaves=0 avg=0.70
        exec #3 CANCELED state=CANCELED cum=5 leaves=0 text="unfilled remainder of an immediate order canceled"
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn fok_that_cannot_fill_is_canceled_without_trades() {
    check(
        "
        market m
        account alice
        account bob
        place alice m buy_short limit 0.50 x4 gtc
        place bob m buy_long limit 0.50 x10 fok
        place bob m buy_long market x10 fok
        book m
        ",
        r#"
        exec #1 NEW alice buy_short limit gtc px=0.50 qty=4 state=NEW
        exec #2 NEW bob buy_long limit fok px=0.50 qty=10 state=NEW
        exec #2 CANCELED state=CANCELED cum=0 leaves=0 text="fill-or-kill order could not be filled entirely"
        exec #3 NEW bob buy_long market fok px=- qty=10 state=NEW
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 text="fill-or-kill order could not be filled entirely"
        book m bids=- asks=4@0.50
        "#,
    );
}

#[test]
fn fok_that_can_fill_fills_entirely() {
    check(
        "
        hide new
        market m
        account alice
        account bob
        account carol
        place alice m buy_short limit 0.50 x4 gtc
        place carol m buy_short limit 0.51 x6 gtc
        place bob m buy_long limit 0.51 x10 fok
        ",
        "
        trade t1 4@0.50 taker=bob#3 maker=alice#1
        exec #3 PARTIAL_FILL 4@0.50 taker state=PARTIALLY_FILLED cum=4 leaves=6
        exec #1 FILL 4@0.50 maker state=FILLED cum=4 leaves=0 avg=0.50
        trade t2 6@0.51 taker=bob#3 maker=carol#2
        exec #3 FILL 6@0.51 taker state=FILLED cum=10 leaves=0 avg=0.506
        exec #2 FILL 6@0.51 maker state=FILLED cum=6 leaves=0 avg=0.51
        ",
    );
}

#[test]
fn user_cancel_releases_the_reservation() {
    check(
        "
        market m
        account alice cash=100
        account bob
        place alice m buy_long limit 0.50 x10 gtc
        bal alice
        cancel bob #1
        cancel alice #1
        cancel alice #1
        bal alice
        book m
        ",
        r#"
        exec #1 NEW alice buy_long limit gtc px=0.50 qty=10 state=NEW
        bal alice cash=100.00 margin=0.00 open=5.00 bp=95.00
        err UnknownOrder
        exec #1 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by user"
        err UnknownOrder
        bal alice cash=100.00 margin=0.00 open=0.00 bp=100.00
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn cancel_all_by_market() {
    check(
        "
        hide new
        market m1
        market m2
        account alice
        place alice m1 buy_long limit 0.40 x1 gtc
        place alice m1 buy_short limit 0.60 x1 gtc
        place alice m2 buy_long limit 0.40 x1 gtc
        cancel-all alice m1
        book m1
        book m2
        cancel-all alice
        book m2
        ",
        r#"
        exec #1 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by user"
        exec #2 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by user"
        book m1 bids=- asks=-
        book m2 bids=1@0.40 asks=-
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by user"
        book m2 bids=- asks=-
        "#,
    );
}

#[test]
fn modify_quantity_decrease_keeps_priority() {
    check(
        "
        hide new fills
        market m
        account alice
        account bob
        account carol
        place alice m buy_long limit 0.50 x5 gtc
        place bob m buy_long limit 0.50 x5 gtc
        modify alice #1 qty=4
        place carol m buy_short limit 0.50 x4 ioc
        book m
        ",
        "
        exec #1 REPLACE px=0.50 qty=4 tif=gtc state=NEW cum=0 leaves=4
        trade t1 4@0.50 taker=carol#3 maker=alice#1
        book m bids=5@0.50 asks=-
        ",
    );
}

#[test]
fn modify_quantity_increase_or_new_price_loses_priority() {
    check(
        "
        hide new fills
        market m
        account alice
        account bob
        account carol
        place alice m buy_long limit 0.50 x5 gtc
        place bob m buy_long limit 0.50 x5 gtc
        modify alice #1 qty=6
        place carol m buy_short limit 0.50 x4 ioc
        modify bob #2 px=0.49
        modify bob #2 px=0.50
        place carol m buy_short limit 0.50 x7 ioc
        book m
        ",
        "
        exec #1 REPLACE px=0.50 qty=6 tif=gtc state=NEW cum=0 leaves=6
        trade t1 4@0.50 taker=carol#3 maker=bob#2
        exec #2 REPLACE px=0.49 qty=5 tif=gtc state=PARTIALLY_FILLED cum=4 leaves=1
        exec #2 REPLACE px=0.50 qty=5 tif=gtc state=PARTIALLY_FILLED cum=4 leaves=1
        trade t2 6@0.50 taker=carol#4 maker=alice#1
        trade t3 1@0.50 taker=carol#4 maker=bob#2
        book m bids=- asks=-
        ",
    );
}

#[test]
fn modify_to_a_crossing_price_trades_as_taker() {
    check(
        "
        market m
        account alice
        account bob
        place alice m buy_long limit 0.50 x5 gtc
        place bob m buy_short limit 0.55 x3 gtc
        modify alice #1 px=0.56
        book m
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.50 qty=5 state=NEW
        exec #2 NEW bob buy_short limit gtc px=0.55 qty=3 state=NEW
        exec #1 REPLACE px=0.56 qty=5 tif=gtc state=NEW cum=0 leaves=5
        trade t1 3@0.55 taker=alice#1 maker=bob#2
        exec #1 PARTIAL_FILL 3@0.55 taker state=PARTIALLY_FILLED cum=3 leaves=2
        exec #2 FILL 3@0.55 maker state=FILLED cum=3 leaves=0 avg=0.55
        book m bids=2@0.56 asks=-
        ",
    );
}

#[test]
fn modify_rejected_leaves_order_untouched() {
    check(
        "
        hide new fills
        market m
        account alice cash=100
        account bob
        account carol
        place alice m buy_long limit 0.50 x10 gtc
        place bob m buy_short limit 0.50 x4 ioc
        modify alice #1 qty=3
        modify alice #1 px=1.20
        modify alice #1 qty=1000
        modify alice #1 tif=ioc
        bal alice
        modify alice #1 qty=8
        place carol m buy_long limit 0.50 x1 gtc
        place bob m buy_short limit 0.50 x5 ioc
        ",
        r#"
        trade t1 4@0.50 taker=bob#2 maker=alice#1
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=10 state=PARTIALLY_FILLED reason=INCORRECT_QUANTITY text="new quantity must exceed the filled quantity"
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=10 state=PARTIALLY_FILLED reason=PRICE_OUT_OF_BOUNDS text="price is outside the market's price bounds"
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=10 state=PARTIALLY_FILLED reason=EXCHANGE_OPTION text="insufficient buying power"
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=10 state=PARTIALLY_FILLED reason=INCORRECT_ORDER_TYPE text="modify can only set a resting time in force (DAY, GTC, GTD)"
        bal alice cash=98.00 margin=0.00 open=3.00 bp=95.00
        exec #1 REPLACE px=0.50 qty=8 tif=gtc state=PARTIALLY_FILLED cum=4 leaves=4
        trade t2 4@0.50 taker=bob#4 maker=alice#1
        trade t3 1@0.50 taker=bob#4 maker=carol#3
        "#,
    );
}

#[test]
fn gtd_expires_at_its_good_till_time() {
    check(
        r#"
        market m
        account alice
        place alice m buy_long limit 0.50 x5 gtd until=+10s
        time +5s
        book m
        time +5s
        book m
        "#,
        r#"
        exec #1 NEW alice buy_long limit gtd px=0.50 qty=5 state=NEW
        book m bids=5@0.50 asks=-
        exec #1 EXPIRED state=EXPIRED cum=0 leaves=0 text="goodTillTime reached"
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn gtd_without_a_future_time_is_rejected() {
    check(
        "
        market m
        account alice
        place alice m buy_long limit 0.50 x5 gtd
        place alice m buy_long limit 0.50 x5 gtd until=-1s
        place alice m buy_long limit 0.50 x5 gtc until=+10s
        ",
        r#"
        exec #1 REJECTED alice buy_long limit gtd px=0.50 qty=5 state=REJECTED reason=EXCHANGE_OPTION text="TIME_IN_FORCE_GOOD_TILL_DATE requires goodTillTime"
        exec #2 REJECTED alice buy_long limit gtd px=0.50 qty=5 state=REJECTED reason=EXCHANGE_OPTION text="goodTillTime is not in the future"
        exec #3 REJECTED alice buy_long limit gtc px=0.50 qty=5 state=REJECTED reason=EXCHANGE_OPTION text="goodTillTime requires TIME_IN_FORCE_GOOD_TILL_DATE"
        "#,
    );
}

#[test]
fn day_orders_are_done_for_day_at_the_roll() {
    // No tif given means DAY.
    check(
        "
        market m
        account alice
        place alice m buy_long limit 0.50 x5
        place alice m buy_long limit 0.49 x5 gtc
        place alice m buy_long limit 0.48 x5 day
        eod
        book m
        ",
        r#"
        exec #1 NEW alice buy_long limit day px=0.50 qty=5 state=NEW
        exec #2 NEW alice buy_long limit gtc px=0.49 qty=5 state=NEW
        exec #3 NEW alice buy_long limit day px=0.48 qty=5 state=NEW
        exec #1 DONE_FOR_DAY state=EXPIRED cum=0 leaves=0 text="done for day"
        exec #3 DONE_FOR_DAY state=EXPIRED cum=0 leaves=0 text="done for day"
        book m bids=5@0.49 asks=-
        "#,
    );
}

#[test]
fn unfunded_orders_are_canceled_after_a_fill() {
    // Per-instrument risk accepts $6.00 in m1 and $4.50 in m2 on $10; paying $6.00 in m1
    // leaves $4.00, so m2's newest order goes until $1.50 remains reserved there.
    check(
        r#"
        hide new fills
        market m1
        market m2
        account alice cash=10
        account bob
        place alice m1 buy_long limit 0.60 x10 gtc
        place alice m2 buy_long limit 0.50 x3 gtc
        place alice m2 buy_long limit 0.60 x5 gtc
        bal alice
        place bob m1 buy_short limit 0.60 x10 ioc
        bal alice
        book m2
        "#,
        r#"
        bal alice cash=10.00 margin=0.00 open=10.50 bp=0.00
        trade t1 10@0.60 taker=bob#4 maker=alice#1
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=EXCHANGE_OPTION text="canceled: no longer funded by buying power"
        bal alice cash=4.00 margin=0.00 open=1.50 bp=2.50
        book m2 bids=3@0.50 asks=-
        "#,
    );
}

#[test]
fn a_close_that_buys_back_a_short_cancels_the_bids_it_uncovered() {
    // Alice's short of 10 covers her bid (buying it back frees $10 of margin), so the bid
    // reserves nothing. A close is not risk-checked: buying the short back at 0.65 leaves
    // $3.50 free, and the bid, now uncovered, needs $6.00. One market only, and still
    // unfunded: the clean-up must check the taker of a close.
    check(
        r#"
        hide new fills
        market m
        account alice cash=1
        account bob
        account carol
        ~place bob m buy_long limit 0.90 x10 gtc
        ~place alice m buy_short limit 0.90 x10 ioc
        ~place alice m buy_long limit 0.60 x10 gtc
        ~place carol m buy_short limit 0.65 x10 gtc
        bal alice
        close alice m
        bal alice
        book m
        "#,
        r#"
        bal alice cash=10.00 margin=10.00 open=0.00 bp=0.00
        trade t2 10@0.65 taker=alice#5 maker=carol#4
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=EXCHANGE_OPTION text="canceled: no longer funded by buying power"
        bal alice cash=3.50 margin=0.00 open=0.00 bp=3.50
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn a_close_that_sells_a_long_cancels_the_offers_it_uncovered() {
    // The mirror case: alice's long of 10 covers her offer (selling YES she holds needs no
    // margin), so the offer reserves nothing. Selling the long at 0.30 leaves $3.00 free;
    // the offer, now a short sale, needs $1.00 - $0.40 per contract, $6.00.
    check(
        r#"
        hide new fills
        market m
        account alice cash=1
        account bob
        account carol
        ~place carol m buy_short limit 0.10 x10 gtc
        ~place alice m buy_long limit 0.10 x10 ioc
        ~place alice m buy_short limit 0.40 x10 gtc
        ~place bob m buy_long limit 0.30 x10 gtc
        bal alice
        close alice m
        bal alice
        book m
        "#,
        r#"
        bal alice cash=0.00 margin=0.00 open=0.00 bp=0.00
        trade t2 10@0.30 taker=alice#5 maker=bob#4
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=EXCHANGE_OPTION text="canceled: no longer funded by buying power"
        bal alice cash=3.00 margin=0.00 open=0.00 bp=3.00
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn resting_sell_long_beyond_a_shrunken_long_is_canceled() {
    check(
        r#"
        hide new fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        place alice m sell_long limit 0.70 x4 gtc
        place alice m sell_long limit 0.80 x6 gtc
        place carol m buy_long limit 0.40 x5 gtc
        place alice m buy_short limit 0.40 x5 ioc
        pos alice m
        book m
        "#,
        r#"
        trade t2 5@0.40 taker=alice#6 maker=carol#5
        exec #4 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=EXCHANGE_OPTION text="canceled: exceeds the remaining position"
        pos alice m net=5 avail=1 bought=10 sold=5 cost=2.50 realized=-0.50 fees=0.00
        book m bids=- asks=4@0.70
        "#,
    );
}

// ----- §14 reject reasons -----

#[test]
fn reject_unknown_market() {
    check(
        "
        account alice
        place alice nope buy_long limit 0.50 x1 gtc
        place mallory nope buy_long limit 0.50 x1 gtc
        ",
        r#"
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=1 state=REJECTED reason=UNKNOWN_MARKET text="unknown market"
        err UnknownAccount
        "#,
    );
}

#[test]
fn reject_market_not_open() {
    check(
        "
        market m
        market p state=preopen
        account alice
        place alice m buy_long limit 0.40 x1 gtc
        status m halted
        place alice m buy_long limit 0.50 x1 gtc
        modify alice #1 px=0.45
        place alice m buy_long market x1
        place alice p buy_long limit 0.50 x1 gtc
        status m suspended
        modify alice #1 px=0.45
        status m open
        place alice m buy_long limit 0.50 x1 gtc
        ",
        r#"
        exec #1 NEW alice buy_long limit gtc px=0.40 qty=1 state=NEW
        market m HALTED
        exec #2 REJECTED alice buy_long limit gtc px=0.50 qty=1 state=REJECTED reason=EXCHANGE_CLOSED text="market is not open for trading"
        exec #1 REJECTED alice buy_long limit gtc px=0.40 qty=1 state=NEW reason=EXCHANGE_CLOSED text="market is not open for trading"
        exec #3 REJECTED alice buy_long market ioc px=- qty=1 state=REJECTED reason=EXCHANGE_CLOSED text="market is not open for trading"
        exec #4 REJECTED alice buy_long limit gtc px=0.50 qty=1 state=REJECTED reason=EXCHANGE_CLOSED text="market is not open for trading"
        exec #1 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=OTHER text="canceled: market suspended for maintenance"
        market m SUSPENDED
        err UnknownOrder
        market m OPEN
        exec #5 NEW alice buy_long limit gtc px=0.50 qty=1 state=NEW
        "#,
    );
}

#[test]
fn reject_incorrect_quantity() {
    check(
        "
        market m
        market f min=0.01
        account alice
        place alice m buy_long limit 0.50 x0 gtc
        place alice m buy_long limit 0.50 x-1 gtc
        place alice m buy_long limit 0.50 x0.5 gtc
        place alice f buy_long limit 0.50 x0.009 gtc
        place alice m buy_long market $0
        ",
        r#"
        exec #1 REJECTED alice buy_long limit gtc px=0.50 qty=0 state=REJECTED reason=INCORRECT_QUANTITY text="quantity must be positive"
        exec #2 REJECTED alice buy_long limit gtc px=0.50 qty=-1 state=REJECTED reason=INCORRECT_QUANTITY text="quantity must be positive"
        exec #3 REJECTED alice buy_long limit gtc px=0.50 qty=0.5 state=REJECTED reason=INCORRECT_QUANTITY text="quantity is below the market's minimum trade quantity"
        exec #4 REJECTED alice buy_long limit gtc px=0.50 qty=0.009 state=REJECTED reason=INCORRECT_QUANTITY text="quantity is below the market's minimum trade quantity"
        exec #5 REJECTED alice buy_long market ioc px=- qty=0 cash=0.00 state=REJECTED reason=INCORRECT_QUANTITY text="quantity must be positive"
        "#,
    );
}

#[test]
fn reject_sell_above_the_position() {
    check(
        r#"
        hide new
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x5 ioc
        place alice m sell_long limit 0.60 x6 gtc
        place alice m sell_long limit 0.60 x3 gtc
        place alice m sell_long limit 0.60 x3 gtc
        place alice m sell_long limit 0.60 x2 gtc
        place carol m sell_long limit 0.60 x1 gtc
        place alice m sell_short limit 0.40 x1 gtc
        place bob m sell_short limit 0.40 x6 gtc
        place bob m sell_short limit 0.40 x5 gtc
        pos alice m
        pos bob m
        "#,
        r#"
        exec #3 REJECTED alice sell_long limit gtc px=0.60 qty=6 state=REJECTED reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        exec #5 REJECTED alice sell_long limit gtc px=0.60 qty=3 state=REJECTED reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        exec #7 REJECTED carol sell_long limit gtc px=0.60 qty=1 state=REJECTED reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        exec #8 REJECTED alice sell_short limit gtc px=0.40 qty=1 state=REJECTED reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        exec #9 REJECTED bob sell_short limit gtc px=0.40 qty=6 state=REJECTED reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        pos alice m net=5 avail=0 bought=5 sold=0 cost=2.50 realized=0.00 fees=0.00
        pos bob m net=-5 avail=0 bought=0 sold=5 cost=-2.50 realized=0.00 fees=0.00
        "#,
    );
}

#[test]
fn reject_incorrect_order_type() {
    check(
        "
        market m
        account alice
        place alice m buy_long limit x1 gtc
        place alice m buy_long market x1 post
        place alice m buy_long limit 0.50 $10 gtc
        place alice m sell_long market $10
        place alice m buy_long limit 0.50 x1 ioc post
        place alice m buy_long limit 0.50 x1 fok post
        ",
        r#"
        exec #1 REJECTED alice buy_long limit gtc px=- qty=1 state=REJECTED reason=INCORRECT_ORDER_TYPE text="limit order requires a price"
        exec #2 REJECTED alice buy_long market ioc px=- qty=1 state=REJECTED reason=INCORRECT_ORDER_TYPE text="participateDontInitiate is not allowed on market orders"
        exec #3 REJECTED alice buy_long limit gtc px=0.50 qty=0 cash=10.00 state=REJECTED reason=INCORRECT_ORDER_TYPE text="cashOrderQty is only allowed on market orders"
        exec #4 REJECTED alice sell_long market ioc px=- qty=0 cash=10.00 state=REJECTED reason=INCORRECT_ORDER_TYPE text="cashOrderQty is only allowed on buy intents"
        exec #5 REJECTED alice buy_long limit ioc px=0.50 qty=1 state=REJECTED reason=INCORRECT_ORDER_TYPE text="participateDontInitiate cannot be combined with IOC or FOK"
        exec #6 REJECTED alice buy_long limit fok px=0.50 qty=1 state=REJECTED reason=INCORRECT_ORDER_TYPE text="participateDontInitiate cannot be combined with IOC or FOK"
        "#,
    );
}

#[test]
fn reject_price_out_of_bounds() {
    // Prices are truncated to the tick first, then checked against [0.01, 0.99].
    check(
        "
        market m
        account alice
        place alice m buy_long limit 1.00 x1 gtc
        place alice m buy_long limit 0.005 x1 gtc
        place alice m buy_long limit 0 x1 gtc
        place alice m buy_short limit 0.999 x1 gtc
        place alice m buy_long limit 0.01 x1 gtc
        ",
        r#"
        exec #1 REJECTED alice buy_long limit gtc px=1.00 qty=1 state=REJECTED reason=PRICE_OUT_OF_BOUNDS text="price is outside the market's price bounds"
        exec #2 REJECTED alice buy_long limit gtc px=0.005 qty=1 state=REJECTED reason=PRICE_OUT_OF_BOUNDS text="price is outside the market's price bounds"
        exec #3 REJECTED alice buy_long limit gtc px=0.00 qty=1 state=REJECTED reason=PRICE_OUT_OF_BOUNDS text="price is outside the market's price bounds"
        exec #4 NEW alice buy_short limit gtc px=0.99 qty=1 state=NEW
        exec #5 NEW alice buy_long limit gtc px=0.01 qty=1 state=NEW
        "#,
    );
}

#[test]
fn reject_market_order_without_liquidity() {
    // The documented slippage example: currentPrice 0.50 and 5 ticks reject when the best ask
    // is above 0.55.
    check(
        r#"
        market m
        account alice
        account bob
        place alice m buy_long market x5
        place bob m buy_short limit 0.56 x5 gtc
        place alice m buy_long market x5 ticks=5 current=0.50
        place alice m buy_long market x5 ticks=6 current=0.50
        "#,
        r#"
        exec #1 REJECTED alice buy_long market ioc px=- qty=5 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        exec #2 NEW bob buy_short limit gtc px=0.56 qty=5 state=NEW
        exec #3 REJECTED alice buy_long market ioc px=0.55 qty=5 state=REJECTED reason=NO_LIQUIDITY text="no liquidity within the slippage bound"
        exec #4 NEW alice buy_long market ioc px=0.56 qty=5 state=NEW
        trade t1 5@0.56 taker=alice#4 maker=bob#2
        exec #4 FILL 5@0.56 taker state=FILLED cum=5 leaves=0 avg=0.56
        exec #2 FILL 5@0.56 maker state=FILLED cum=5 leaves=0 avg=0.56
        "#,
    );
}

#[test]
fn reject_post_only_that_would_cross() {
    check(
        "
        market m
        account alice
        account bob
        place bob m buy_short limit 0.55 x5 gtc
        place alice m buy_long limit 0.55 x1 gtc post
        place alice m buy_long limit 0.54 x1 gtc post
        modify alice #3 px=0.55
        book m
        ",
        r#"
        exec #1 NEW bob buy_short limit gtc px=0.55 qty=5 state=NEW
        exec #2 REJECTED alice buy_long limit gtc px=0.55 qty=1 state=REJECTED reason=EXCHANGE_OPTION text="participateDontInitiate order would trade on arrival"
        exec #3 NEW alice buy_long limit gtc px=0.54 qty=1 state=NEW
        exec #3 REJECTED alice buy_long limit gtc px=0.54 qty=1 state=NEW reason=EXCHANGE_OPTION text="participateDontInitiate order would trade on arrival"
        book m bids=1@0.54 asks=5@0.55
        "#,
    );
}

#[test]
fn reject_insufficient_buying_power_per_instrument() {
    // Worst case per market: the larger of all bids filling and all offers filling; other
    // markets' orders do not count.
    check(
        r#"
        market m1
        market m2
        account alice cash=5
        place alice m1 buy_long limit 0.60 x10 gtc
        place alice m1 buy_short limit 0.40 x10 gtc
        place alice m1 buy_long limit 0.50 x10 gtc
        place alice m1 buy_short limit 0.90 x10 gtc
        place alice m1 buy_long limit 0.01 x1 gtc
        place alice m2 buy_long limit 0.50 x10 gtc
        bal alice
        "#,
        r#"
        exec #1 REJECTED alice buy_long limit gtc px=0.60 qty=10 state=REJECTED reason=EXCHANGE_OPTION text="insufficient buying power"
        exec #2 REJECTED alice buy_short limit gtc px=0.40 qty=10 state=REJECTED reason=EXCHANGE_OPTION text="insufficient buying power"
        exec #3 NEW alice buy_long limit gtc px=0.50 qty=10 state=NEW
        exec #4 NEW alice buy_short limit gtc px=0.90 qty=10 state=NEW
        exec #5 REJECTED alice buy_long limit gtc px=0.01 qty=1 state=REJECTED reason=EXCHANGE_OPTION text="insufficient buying power"
        exec #6 NEW alice buy_long limit gtc px=0.50 qty=10 state=NEW
        bal alice cash=5.00 margin=0.00 open=10.00 bp=0.00
        "#,
    );
}

// ----- intents, normalization, self-trade -----

#[test]
fn four_intents_sit_on_their_yes_book_sides() {
    check(
        "
        hide new
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        place carol m buy_long limit 0.40 x1 gtc
        place carol m buy_short limit 0.70 x1 gtc
        place alice m sell_long limit 0.65 x2 gtc
        place bob m sell_short limit 0.45 x2 gtc
        book m
        ",
        "
        book m bids=2@0.45,1@0.40 asks=2@0.65,1@0.70
        ",
    );
}

#[test]
fn buying_no_at_040_sells_yes_at_060() {
    check(
        "
        hide new fills
        market m
        account alice
        account bob
        place alice m buy_long limit 0.60 x5 gtc
        place bob m buy_short limit 0.60 x5 gtc
        pos bob m
        bal bob
        ",
        "
        trade t1 5@0.60 taker=bob#2 maker=alice#1
        pos bob m net=-5 avail=5 bought=0 sold=5 cost=-3.00 realized=0.00 fees=0.00
        bal bob cash=1003.00 margin=5.00 open=0.00 bp=998.00
        ",
    );
}

#[test]
fn price_truncated_to_a_001_tick() {
    check(
        "
        market m
        account alice
        place alice m buy_long limit 0.515 x1 gtc
        place alice m buy_short limit 0.579 x1 gtc
        book m
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.51 qty=1 state=NEW
        exec #2 NEW alice buy_short limit gtc px=0.57 qty=1 state=NEW
        book m bids=1@0.51 asks=1@0.57
        ",
    );
}

#[test]
fn price_truncated_to_fine_ticks() {
    check(
        "
        market h tick=0.005
        market q tick=0.0025
        market k tick=0.001
        account alice
        place alice h buy_long limit 0.5175 x1 gtc
        place alice h buy_long limit 0.512 x1 gtc
        place alice q buy_long limit 0.5199 x1 gtc
        place alice q buy_long limit 0.5125 x1 gtc
        place alice k buy_long limit 0.51299 x1 gtc
        book h
        book q
        book k
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.515 qty=1 state=NEW
        exec #2 NEW alice buy_long limit gtc px=0.51 qty=1 state=NEW
        exec #3 NEW alice buy_long limit gtc px=0.5175 qty=1 state=NEW
        exec #4 NEW alice buy_long limit gtc px=0.5125 qty=1 state=NEW
        exec #5 NEW alice buy_long limit gtc px=0.512 qty=1 state=NEW
        book h bids=1@0.515,1@0.51 asks=-
        book q bids=1@0.5175,1@0.5125 asks=-
        book k bids=1@0.512 asks=-
        ",
    );
}

#[test]
fn quantity_truncated_to_the_minimum_step() {
    check(
        "
        market m
        market f min=0.01
        account alice
        place alice m buy_long limit 0.50 x10.7 gtc
        place alice f buy_long limit 0.50 x2.345 gtc
        place alice f buy_long limit 0.50 x0.015 gtc
        book m
        book f
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.50 qty=10 state=NEW
        exec #2 NEW alice buy_long limit gtc px=0.50 qty=2.34 state=NEW
        exec #3 NEW alice buy_long limit gtc px=0.50 qty=0.01 state=NEW
        book m bids=10@0.50 asks=-
        book f bids=2.35@0.50 asks=-
        ",
    );
}

#[test]
fn self_trade_prevention_cancels_the_incoming_remainder() {
    check(
        r#"
        market m
        account alice
        account bob
        account carol
        place alice m buy_short limit 0.50 x3 gtc
        place bob m buy_short limit 0.51 x3 gtc
        place bob m buy_long limit 0.52 x10 gtc
        place carol m buy_long limit 0.40 x1 gtc
        place carol m buy_short limit 0.40 x1 gtc
        book m
        "#,
        r#"
        exec #1 NEW alice buy_short limit gtc px=0.50 qty=3 state=NEW
        exec #2 NEW bob buy_short limit gtc px=0.51 qty=3 state=NEW
        exec #3 NEW bob buy_long limit gtc px=0.52 qty=10 state=NEW
        trade t1 3@0.50 taker=bob#3 maker=alice#1
        exec #3 PARTIAL_FILL 3@0.50 taker state=PARTIALLY_FILLED cum=3 leaves=7
        exec #1 FILL 3@0.50 maker state=FILLED cum=3 leaves=0 avg=0.50
        exec #3 CANCELED state=CANCELED cum=3 leaves=0 text="self-trade prevented: remainder canceled"
        exec #4 NEW carol buy_long limit gtc px=0.40 qty=1 state=NEW
        exec #5 NEW carol buy_short limit gtc px=0.40 qty=1 state=NEW
        exec #5 CANCELED state=CANCELED cum=0 leaves=0 text="self-trade prevented: remainder canceled"
        book m bids=1@0.40 asks=3@0.51
        "#,
    );
}

// ----- fees -----

#[test]
fn fees_round_half_even_to_the_cent() {
    // Taker 0.0695 x 120 x 0.25 = 2.085 -> 2.08; maker -0.0125 x 120 x 0.25 = -0.375 -> -0.38.
    check(
        "
        market m taker=0.0695 maker=-0.0125
        account alice
        account bob
        place alice m buy_short limit 0.50 x120 gtc
        place bob m buy_long limit 0.50 x120 ioc
        bal alice
        bal bob
        ",
        "
        exec #1 NEW alice buy_short limit gtc px=0.50 qty=120 state=NEW
        exec #2 NEW bob buy_long limit ioc px=0.50 qty=120 state=NEW
        trade t1 120@0.50 taker=bob#2 maker=alice#1
        exec #2 FILL 120@0.50 taker fee=2.08 state=FILLED cum=120 leaves=0 avg=0.50 fees=2.08
        exec #1 FILL 120@0.50 maker fee=-0.38 state=FILLED cum=120 leaves=0 avg=0.50 fees=-0.38
        bal alice cash=1060.38 margin=120.00 open=0.00 bp=940.38
        bal bob cash=937.92 margin=0.00 open=0.00 bp=937.92
        ",
    );
}

#[test]
fn fee_of_one_order_is_capped_at_its_rounded_total() {
    // Each fill's own fee rounds 0.017375 to 0.02, but the order's total may not exceed the
    // rounded exact total 0.052125 -> 0.05. Rebates of -0.003125 round to zero.
    check(
        "
        hide new
        market m taker=0.0695 maker=-0.0125
        account alice
        account bob
        account carol
        account dave
        place alice m buy_short limit 0.50 x1 gtc
        place bob m buy_short limit 0.50 x1 gtc
        place carol m buy_short limit 0.50 x1 gtc
        place dave m buy_long limit 0.50 x3 ioc
        ",
        "
        trade t1 1@0.50 taker=dave#4 maker=alice#1
        exec #4 PARTIAL_FILL 1@0.50 taker fee=0.02 state=PARTIALLY_FILLED cum=1 leaves=2
        exec #1 FILL 1@0.50 maker state=FILLED cum=1 leaves=0 avg=0.50
        trade t2 1@0.50 taker=dave#4 maker=bob#2
        exec #4 PARTIAL_FILL 1@0.50 taker fee=0.01 state=PARTIALLY_FILLED cum=2 leaves=1
        exec #2 FILL 1@0.50 maker state=FILLED cum=1 leaves=0 avg=0.50
        trade t3 1@0.50 taker=dave#4 maker=carol#3
        exec #4 FILL 1@0.50 taker fee=0.02 state=FILLED cum=3 leaves=0 avg=0.50 fees=0.05
        exec #3 FILL 1@0.50 maker state=FILLED cum=1 leaves=0 avg=0.50
        ",
    );
}

#[test]
fn documented_close_example_with_fees() {
    // docs/api.md §2.11.1: long 10, bids 6@0.55 and 10@0.54, currentPrice 0.55, 2 ticks: bound
    // 0.53, fills 6@0.55 (fee 0.10) and 4@0.54 (fee 0.07), avgPx 0.546, total 0.17.
    check(
        "
        market aec-x taker=0.0695 maker=-0.0125
        account alice cash=100
        account bob
        account carol
        ~place carol aec-x buy_short limit 0.50 x10 gtc
        ~place alice aec-x buy_long limit 0.50 x10 ioc
        ~place bob aec-x buy_long limit 0.55 x6 gtc
        ~place bob aec-x buy_long limit 0.54 x10 gtc
        close alice aec-x ticks=2 current=0.55
        pos alice aec-x
        bal alice
        ",
        "
        exec #5 NEW alice sell_long market ioc close px=0.53 qty=10 state=NEW
        trade t2 6@0.55 taker=alice#5 maker=bob#3
        exec #5 PARTIAL_FILL 6@0.55 taker fee=0.10 state=PARTIALLY_FILLED cum=6 leaves=4
        exec #3 FILL 6@0.55 maker fee=-0.02 state=FILLED cum=6 leaves=0 avg=0.55 fees=-0.02
        trade t3 4@0.54 taker=alice#5 maker=bob#4
        exec #5 FILL 4@0.54 taker fee=0.07 state=FILLED cum=10 leaves=0 avg=0.546 fees=0.17
        exec #4 PARTIAL_FILL 4@0.54 maker fee=-0.01 state=PARTIALLY_FILLED cum=4 leaves=6
        pos alice aec-x net=0 avail=0 bought=10 sold=10 cost=0.00 realized=0.46 fees=0.34
        bal alice cash=100.12 margin=0.00 open=0.00 bp=100.12
        ",
    );
}

// ----- cash-sized market orders -----

#[test]
fn cash_sized_market_buy_buys_whole_contracts() {
    // $100 at 0.65 buys 153 contracts for $99.45; the rest stays in the balance.
    check(
        r#"
        market m
        account alice
        account bob cash=100
        place alice m buy_short limit 0.65 x200 gtc
        place bob m buy_long market $100
        bal bob
        place bob m buy_long market $0.50
        "#,
        r#"
        exec #1 NEW alice buy_short limit gtc px=0.65 qty=200 state=NEW
        exec #2 NEW bob buy_long market ioc px=- qty=153 cash=100.00 state=NEW
        trade t1 153@0.65 taker=bob#2 maker=alice#1
        exec #2 FILL 153@0.65 taker state=FILLED cum=153 leaves=0 avg=0.65
        exec #1 PARTIAL_FILL 153@0.65 maker state=PARTIALLY_FILLED cum=153 leaves=47
        bal bob cash=0.55 margin=0.00 open=0.00 bp=0.55
        exec #3 REJECTED bob buy_long market ioc px=- qty=0 cash=0.50 state=REJECTED reason=INCORRECT_QUANTITY text="cashOrderQty does not buy the minimum trade quantity"
        "#,
    );
}

#[test]
fn cash_sized_market_buy_walks_levels_in_partial_contracts() {
    // $10: 5 at 0.50 ($2.50), then $7.50 / 0.60 = 12.5 contracts on a 0.01 step.
    check(
        "
        hide new
        market f min=0.01
        account alice
        account bob
        place alice f buy_short limit 0.50 x5 gtc
        place alice f buy_short limit 0.60 x20 gtc
        place bob f buy_long market $10
        bal bob
        ",
        "
        trade t1 5@0.50 taker=bob#3 maker=alice#1
        exec #3 PARTIAL_FILL 5@0.50 taker state=PARTIALLY_FILLED cum=5 leaves=12.5
        exec #1 FILL 5@0.50 maker state=FILLED cum=5 leaves=0 avg=0.50
        trade t2 12.5@0.60 taker=bob#3 maker=alice#2
        exec #3 FILL 12.5@0.60 taker state=FILLED cum=17.5 leaves=0 avg=0.5714
        exec #2 PARTIAL_FILL 12.5@0.60 maker state=PARTIALLY_FILLED cum=12.5 leaves=7.5
        bal bob cash=990.00 margin=0.00 open=0.00 bp=990.00
        ",
    );
}

// ----- balances (§4) and cash movements -----

#[test]
fn short_sale_balance_example() {
    // Collateral page: start with $5, sell 1 at 0.70: balance 5.70, margin 1.00, BP 4.70.
    check(
        "
        hide new fills
        market m
        account alice cash=5
        account bob
        place bob m buy_long limit 0.70 x1 gtc
        show balances
        place alice m buy_short limit 0.70 x1 ioc
        bal alice
        ",
        "
        trade t1 1@0.70 taker=alice#2 maker=bob#1
        ledger alice ORDER_EXECUTION delta=0.70 cash=5.70 margin=1.00
        ledger bob ORDER_EXECUTION delta=-0.70 cash=999.30 margin=0.00
        bal alice cash=5.70 margin=1.00 open=0.00 bp=4.70
        ",
    );
}

#[test]
fn balance_effects_of_each_kind_of_trade() {
    check(
        "
        hide new fills
        market m
        account alice cash=100
        account bob
        place bob m buy_short limit 0.40 x10 gtc
        place alice m buy_long limit 0.40 x10 ioc
        bal alice
        place bob m buy_long limit 0.45 x10 gtc
        place alice m sell_long limit 0.45 x10 ioc
        bal alice
        place bob m buy_long limit 0.70 x10 gtc
        place alice m buy_short limit 0.70 x10 ioc
        bal alice
        place bob m buy_short limit 0.60 x10 gtc
        place alice m sell_short limit 0.60 x10 ioc
        bal alice
        ",
        "
        trade t1 10@0.40 taker=alice#2 maker=bob#1
        bal alice cash=96.00 margin=0.00 open=0.00 bp=96.00
        trade t2 10@0.45 taker=alice#4 maker=bob#3
        bal alice cash=100.50 margin=0.00 open=0.00 bp=100.50
        trade t3 10@0.70 taker=alice#6 maker=bob#5
        bal alice cash=107.50 margin=10.00 open=0.00 bp=97.50
        trade t4 10@0.60 taker=alice#8 maker=bob#7
        bal alice cash=101.50 margin=0.00 open=0.00 bp=101.50
        ",
    );
}

#[test]
fn withdraw_leaves_the_largest_market_reservation() {
    check(
        "
        hide new
        market m1
        market m2
        account alice cash=10
        withdraw alice 3
        withdraw alice 0
        withdraw alice 8
        place alice m1 buy_long limit 0.50 x4 gtc
        place alice m2 buy_long limit 0.50 x6 gtc
        bal alice
        withdraw alice 4.01
        withdraw alice 4
        bal alice
        deposit alice 2
        withdraw mallory 1
        ",
        "
        cash alice withdrawal 3.00
        err InvalidAmount
        err InsufficientFunds
        bal alice cash=7.00 margin=0.00 open=5.00 bp=2.00
        err InsufficientFunds
        cash alice withdrawal 4.00
        bal alice cash=3.00 margin=0.00 open=5.00 bp=0.00
        cash alice deposit 2.00
        err UnknownAccount
        ",
    );
}

#[test]
fn withdraw_keeps_the_short_margin() {
    check(
        "
        hide new fills
        market m
        account alice cash=5
        account bob
        place bob m buy_long limit 0.70 x1 gtc
        place alice m buy_short limit 0.70 x1 ioc
        withdraw alice 4.71
        withdraw alice 4.70
        bal alice
        ",
        "
        trade t1 1@0.70 taker=alice#2 maker=bob#1
        err InsufficientFunds
        cash alice withdrawal 4.70
        bal alice cash=1.00 margin=1.00 open=0.00 bp=0.00
        ",
    );
}

// ----- settlement (§15) -----

#[test]
fn settle_at_one_pays_the_long() {
    check(
        r#"
        hide new fills
        market m
        account alice cash=100
        account bob cash=100
        account carol
        place bob m buy_short limit 0.40 x10 gtc
        place alice m buy_long limit 0.40 x10 ioc
        place carol m buy_long limit 0.30 x5 gtc
        bal bob
        settle m 1
        pos alice m
        pos bob m
        bal alice
        bal bob
        place alice m buy_long limit 0.50 x1 gtc
        close alice m
        settle m 0
        "#,
        r#"
        trade t1 10@0.40 taker=alice#2 maker=bob#1
        bal bob cash=104.00 margin=10.00 open=0.00 bp=94.00
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=OTHER text="canceled: market settled"
        resolve alice m LONG value=1.00 net=10 payout=10.00
        resolve bob m LONG value=1.00 net=-10 payout=-10.00
        settled m 1.00
        market m EXPIRED
        pos alice m net=0 avail=0 bought=10 sold=0 cost=0.00 realized=6.00 fees=0.00 expired
        pos bob m net=0 avail=0 bought=0 sold=10 cost=0.00 realized=-6.00 fees=0.00 expired
        bal alice cash=106.00 margin=0.00 open=0.00 bp=106.00
        bal bob cash=94.00 margin=0.00 open=0.00 bp=94.00
        exec #4 REJECTED alice buy_long limit gtc px=0.50 qty=1 state=REJECTED reason=EXCHANGE_CLOSED text="market is not open for trading"
        err NoPosition
        err MarketSettled
        "#,
    );
}

#[test]
fn settle_at_zero_pays_the_short() {
    check(
        "
        hide new fills
        market m
        account alice cash=100
        account bob cash=100
        place bob m buy_short limit 0.40 x10 gtc
        place alice m buy_long limit 0.40 x10 ioc
        settle m 0
        pos alice m
        pos bob m
        bal alice
        bal bob
        ",
        "
        trade t1 10@0.40 taker=alice#2 maker=bob#1
        resolve alice m SHORT value=0.00 net=10 payout=0.00
        resolve bob m SHORT value=0.00 net=-10 payout=0.00
        settled m 0.00
        market m EXPIRED
        pos alice m net=0 avail=0 bought=10 sold=0 cost=0.00 realized=-4.00 fees=0.00 expired
        pos bob m net=0 avail=0 bought=0 sold=10 cost=0.00 realized=4.00 fees=0.00 expired
        bal alice cash=96.00 margin=0.00 open=0.00 bp=96.00
        bal bob cash=104.00 margin=0.00 open=0.00 bp=104.00
        ",
    );
}

#[test]
fn settle_at_half_is_neutral() {
    check(
        "
        hide new fills
        market m
        account alice cash=100
        account bob cash=100
        place bob m buy_short limit 0.40 x10 gtc
        place alice m buy_long limit 0.40 x10 ioc
        show positions balances
        settle m 0.5
        bal alice
        bal bob
        ",
        "
        trade t1 10@0.40 taker=alice#2 maker=bob#1
        resolve alice m NEUTRAL value=0.50 net=10 payout=5.00
        position alice m net=0 cost=0.00 realized=1.00 fees=0.00 expired
        ledger alice RESOLUTION delta=5.00 cash=101.00 margin=0.00
        resolve bob m NEUTRAL value=0.50 net=-10 payout=-5.00
        position bob m net=0 cost=0.00 realized=-1.00 fees=0.00 expired
        ledger bob RESOLUTION delta=-5.00 cash=99.00 margin=0.00
        settled m 0.50
        market m EXPIRED
        bal alice cash=101.00 margin=0.00 open=0.00 bp=101.00
        bal bob cash=99.00 margin=0.00 open=0.00 bp=99.00
        ",
    );
}

// ----- close-position (docs/trading.md §5) -----
//
// Common setup: bob sells 10 at 0.50 to alice (orders #1 and #2, trade t1), so alice is long
// 10 and bob short 10.

#[test]
fn close_long_sells_the_whole_position() {
    check(
        "
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.48 x10 gtc
        close alice m
        pos alice m
        ",
        "
        exec #4 NEW alice sell_long market ioc close px=- qty=10 state=NEW
        trade t2 10@0.48 taker=alice#4 maker=carol#3
        exec #4 FILL 10@0.48 taker state=FILLED cum=10 leaves=0 avg=0.48
        exec #3 FILL 10@0.48 maker state=FILLED cum=10 leaves=0 avg=0.48
        pos alice m net=0 avail=0 bought=10 sold=10 cost=0.00 realized=-0.20 fees=0.00
        ",
    );
}

#[test]
fn close_short_buys_back_the_whole_position() {
    check(
        "
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_short limit 0.52 x4 gtc
        ~place carol m buy_short limit 0.53 x6 gtc
        close bob m
        pos bob m
        bal bob
        ",
        "
        exec #5 NEW bob sell_short market ioc close px=- qty=10 state=NEW
        trade t2 4@0.52 taker=bob#5 maker=carol#3
        exec #5 PARTIAL_FILL 4@0.52 taker state=PARTIALLY_FILLED cum=4 leaves=6
        exec #3 FILL 4@0.52 maker state=FILLED cum=4 leaves=0 avg=0.52
        trade t3 6@0.53 taker=bob#5 maker=carol#4
        exec #5 FILL 6@0.53 taker state=FILLED cum=10 leaves=0 avg=0.526
        exec #4 FILL 6@0.53 maker state=FILLED cum=6 leaves=0 avg=0.53
        pos bob m net=0 avail=0 bought=10 sold=10 cost=0.00 realized=-0.26 fees=0.00
        bal bob cash=999.74 margin=0.00 open=0.00 bp=999.74
        ",
    );
}

#[test]
fn close_fills_within_the_bound_and_cancels_the_rest() {
    check(
        r#"
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.55 x6 gtc
        ~place carol m buy_long limit 0.50 x10 gtc
        close alice m ticks=2 current=0.55
        pos alice m
        book m
        "#,
        r#"
        exec #5 NEW alice sell_long market ioc close px=0.53 qty=10 state=NEW
        trade t2 6@0.55 taker=alice#5 maker=carol#3
        exec #5 PARTIAL_FILL 6@0.55 taker state=PARTIALLY_FILLED cum=6 leaves=4
        exec #3 FILL 6@0.55 maker state=FILLED cum=6 leaves=0 avg=0.55
        exec #5 CANCELED state=CANCELED cum=6 leaves=0 text="unfilled remainder of an immediate order canceled"
        pos alice m net=4 avail=4 bought=10 sold=6 cost=2.00 realized=0.30 fees=0.00
        book m bids=10@0.50 asks=-
        "#,
    );
}

#[test]
fn close_with_the_bound_outside_the_best_price_is_rejected() {
    check(
        r#"
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.50 x5 gtc
        close alice m ticks=2 current=0.55
        pos alice m
        book m
        "#,
        r#"
        exec #4 REJECTED alice sell_long market ioc close px=0.53 qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity within the slippage bound"
        pos alice m net=10 avail=10 bought=10 sold=0 cost=5.00 realized=0.00 fees=0.00
        book m bids=5@0.50 asks=-
        "#,
    );
}

#[test]
fn close_against_an_empty_side_is_rejected() {
    check(
        r#"
        market m
        account alice
        account bob
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        close alice m
        close alice m ticks=2
        close alice m ticks=2 current=0.55
        close bob m
        "#,
        r#"
        exec #3 REJECTED alice sell_long market ioc close px=- qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        exec #4 REJECTED alice sell_long market ioc close px=- qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        exec #5 REJECTED alice sell_long market ioc close px=0.53 qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        exec #6 REJECTED bob sell_short market ioc close px=- qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        "#,
    );
}

#[test]
fn close_ticks_take_priority_over_bips() {
    // Ticks: 0.55 - 0.01 = 0.54. Bips alone would allow 0.55 x 0.9 = 0.495 -> 0.50.
    check(
        r#"
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.55 x5 gtc
        ~place carol m buy_long limit 0.52 x5 gtc
        close alice m ticks=1 bips=1000 current=0.55
        "#,
        r#"
        exec #5 NEW alice sell_long market ioc close px=0.54 qty=10 state=NEW
        trade t2 5@0.55 taker=alice#5 maker=carol#3
        exec #5 PARTIAL_FILL 5@0.55 taker state=PARTIALLY_FILLED cum=5 leaves=5
        exec #3 FILL 5@0.55 maker state=FILLED cum=5 leaves=0 avg=0.55
        exec #5 CANCELED state=CANCELED cum=5 leaves=0 text="unfilled remainder of an immediate order canceled"
        "#,
    );
}

#[test]
fn close_long_bips_bound_rounds_up_to_the_tick() {
    // 0.55 x (1 - 0.03) = 0.5335, rounded toward protection (up for a sell) = 0.54.
    check(
        r#"
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.55 x4 gtc
        ~place carol m buy_long limit 0.54 x4 gtc
        ~place carol m buy_long limit 0.53 x5 gtc
        close alice m bips=300 current=0.55
        "#,
        r#"
        exec #6 NEW alice sell_long market ioc close px=0.54 qty=10 state=NEW
        trade t2 4@0.55 taker=alice#6 maker=carol#3
        trade t3 4@0.54 taker=alice#6 maker=carol#4
        exec #6 CANCELED state=CANCELED cum=8 leaves=0 text="unfilled remainder of an immediate order canceled"
        "#,
    );
}

#[test]
fn close_short_bips_bound_rounds_down_to_the_tick() {
    // 0.45 x (1 + 0.03) = 0.4635, rounded toward protection (down for a buy) = 0.46.
    check(
        r#"
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_short limit 0.45 x4 gtc
        ~place carol m buy_short limit 0.46 x4 gtc
        ~place carol m buy_short limit 0.47 x5 gtc
        close bob m bips=300 current=0.45
        "#,
        r#"
        exec #6 NEW bob sell_short market ioc close px=0.46 qty=10 state=NEW
        trade t2 4@0.45 taker=bob#6 maker=carol#3
        trade t3 4@0.46 taker=bob#6 maker=carol#4
        exec #6 CANCELED state=CANCELED cum=8 leaves=0 text="unfilled remainder of an immediate order canceled"
        "#,
    );
}

#[test]
fn close_without_current_price_uses_the_best_opposite_price() {
    // Reference = best bid 0.60; 2 ticks: bound 0.58.
    check(
        r#"
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.60 x4 gtc
        ~place carol m buy_long limit 0.59 x4 gtc
        ~place carol m buy_long limit 0.57 x5 gtc
        close alice m ticks=2
        "#,
        r#"
        exec #6 NEW alice sell_long market ioc close px=0.58 qty=10 state=NEW
        trade t2 4@0.60 taker=alice#6 maker=carol#3
        trade t3 4@0.59 taker=alice#6 maker=carol#4
        exec #6 CANCELED state=CANCELED cum=8 leaves=0 text="unfilled remainder of an immediate order canceled"
        "#,
    );
}

#[test]
fn close_cancels_resting_reducing_orders_first() {
    // The SELL_LONG orders go (newest first); the BUY_LONG bid is not reducing and stays.
    check(
        r#"
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place alice m sell_long limit 0.70 x4 gtc
        ~place alice m sell_long limit 0.80 x6 gtc
        ~place alice m buy_long limit 0.30 x5 gtc
        ~place carol m buy_long limit 0.50 x10 gtc
        pos alice m
        close alice m
        book m
        pos alice m
        "#,
        r#"
        pos alice m net=10 avail=0 bought=10 sold=0 cost=5.00 realized=0.00 fees=0.00
        exec #4 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by close-position"
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by close-position"
        exec #7 NEW alice sell_long market ioc close px=- qty=10 state=NEW
        trade t2 10@0.50 taker=alice#7 maker=carol#6
        exec #7 FILL 10@0.50 taker state=FILLED cum=10 leaves=0 avg=0.50
        exec #6 FILL 10@0.50 maker state=FILLED cum=10 leaves=0 avg=0.50
        book m bids=5@0.30 asks=-
        pos alice m net=0 avail=0 bought=10 sold=10 cost=0.00 realized=0.00 fees=0.00
        "#,
    );
}

#[test]
fn close_fractional_positions_leaves_no_dust() {
    check(
        "
        market f min=0.01
        account alice
        account bob
        account carol
        account dave
        ~place bob f buy_short limit 0.40 x2.37 gtc
        ~place alice f buy_long limit 0.40 x2.37 ioc
        ~place carol f buy_long limit 0.50 x5 gtc
        close alice f
        pos alice f
        bal alice
        ~place dave f buy_short limit 0.55 x10 gtc
        close bob f
        pos bob f
        bal bob
        ",
        "
        exec #4 NEW alice sell_long market ioc close px=- qty=2.37 state=NEW
        trade t2 2.37@0.50 taker=alice#4 maker=carol#3
        exec #4 FILL 2.37@0.50 taker state=FILLED cum=2.37 leaves=0 avg=0.50
        exec #3 PARTIAL_FILL 2.37@0.50 maker state=PARTIALLY_FILLED cum=2.37 leaves=2.63
        pos alice f net=0 avail=0 bought=2.37 sold=2.37 cost=0.00 realized=0.237 fees=0.00
        bal alice cash=1000.237 margin=0.00 open=0.00 bp=1000.237
        exec #6 NEW bob sell_short market ioc close px=- qty=2.37 state=NEW
        trade t3 2.37@0.55 taker=bob#6 maker=dave#5
        exec #6 FILL 2.37@0.55 taker state=FILLED cum=2.37 leaves=0 avg=0.55
        exec #5 PARTIAL_FILL 2.37@0.55 maker state=PARTIALLY_FILLED cum=2.37 leaves=7.63
        pos bob f net=0 avail=0 bought=2.37 sold=2.37 cost=0.00 realized=-0.3555 fees=0.00
        bal bob cash=999.6445 margin=0.00 open=0.00 bp=999.6445
        ",
    );
}

#[test]
fn close_in_an_unknown_market_is_an_error() {
    check(
        "
        market m
        account alice
        close alice nope
        close mallory m
        ",
        "
        err UnknownMarket
        err UnknownAccount
        ",
    );
}

#[test]
fn close_in_a_market_not_open_is_rejected() {
    // The reducing order is not canceled when the close itself is rejected.
    check(
        r#"
        market m
        account alice
        account bob
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place alice m sell_long limit 0.70 x3 gtc
        status m halted
        close alice m
        pos alice m
        book m
        "#,
        r#"
        market m HALTED
        exec #4 REJECTED alice sell_long market ioc close px=- qty=10 state=REJECTED reason=EXCHANGE_CLOSED text="market is not open for trading"
        pos alice m net=10 avail=7 bought=10 sold=0 cost=5.00 realized=0.00 fees=0.00
        book m bids=- asks=3@0.70
        "#,
    );
}

#[test]
fn close_without_a_position_is_an_error() {
    check(
        "
        market m
        account alice
        account bob
        account carol
        close alice m
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.50 x10 gtc
        ~place alice m sell_long limit 0.50 x10 ioc
        pos alice m
        close alice m
        ",
        "
        err NoPosition
        pos alice m net=0 avail=0 bought=10 sold=10 cost=0.00 realized=0.00 fees=0.00
        err NoPosition
        ",
    );
}

// ----- more edges -----

#[test]
fn orders_ended_after_partial_fills_keep_their_fills() {
    check(
        r#"
        hide new fills
        market m
        account alice
        account bob
        place alice m buy_long limit 0.50 x10 gtc
        place bob m buy_short limit 0.50 x4 ioc
        cancel alice #1
        place alice m buy_long limit 0.49 x10 day
        place bob m buy_short limit 0.49 x3 ioc
        eod
        place alice m buy_long limit 0.48 x10 gtd until=+1h
        place bob m buy_short limit 0.48 x2 ioc
        time +1h
        "#,
        r#"
        trade t1 4@0.50 taker=bob#2 maker=alice#1
        exec #1 CANCELED state=CANCELED cum=4 leaves=0 text="canceled by user"
        trade t2 3@0.49 taker=bob#4 maker=alice#3
        exec #3 DONE_FOR_DAY state=EXPIRED cum=3 leaves=0 text="done for day"
        trade t3 2@0.48 taker=bob#6 maker=alice#5
        exec #5 EXPIRED state=EXPIRED cum=2 leaves=0 text="goodTillTime reached"
        "#,
    );
}

#[test]
fn modify_to_gtd_expires_exactly_at_the_new_time() {
    // The modify runs at t and sets goodTillTime t + 10 s; the order lives until then.
    check(
        r#"
        market m
        account alice
        place alice m buy_long limit 0.50 x5 gtc
        modify alice #1 tif=gtd until=+10s
        time +9998ms
        book m
        time +0ms
        book m
        "#,
        r#"
        exec #1 NEW alice buy_long limit gtc px=0.50 qty=5 state=NEW
        exec #1 REPLACE px=0.50 qty=5 tif=gtd state=NEW cum=0 leaves=5
        book m bids=5@0.50 asks=-
        exec #1 EXPIRED state=EXPIRED cum=0 leaves=0 text="goodTillTime reached"
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn modify_of_a_reducing_order_is_capped_by_the_position() {
    check(
        r#"
        hide new fills
        market m
        account alice
        account bob
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        place alice m sell_long limit 0.70 x4 gtc
        place alice m sell_long limit 0.80 x4 gtc
        modify alice #3 qty=7
        modify alice #3 qty=6
        pos alice m
        "#,
        r#"
        exec #3 REJECTED alice sell_long limit gtc px=0.70 qty=4 state=NEW reason=INCORRECT_QUANTITY text="sell quantity exceeds the position available to close (net of resting reducing orders)"
        exec #3 REPLACE px=0.70 qty=6 tif=gtc state=NEW cum=0 leaves=6
        pos alice m net=10 avail=0 bought=10 sold=0 cost=5.00 realized=0.00 fees=0.00
        "#,
    );
}

#[test]
fn settle_and_status_refuse_bad_requests() {
    check(
        "
        market m
        settle m 1.5
        settle nope 1
        status m expired
        status nope halted
        ",
        "
        err InvalidSettlement
        err UnknownMarket
        err InvalidStateChange
        err UnknownMarket
        ",
    );
}

#[test]
fn market_buy_bips_bound_rounds_down_and_ticks_clamp_to_099() {
    // 0.50 x 1.015 = 0.5075, rounded down for a buy: 0.50. 0.50 + 60 ticks clamps to 0.99.
    check(
        r#"
        market m
        account alice
        account bob
        place bob m buy_short limit 0.50 x2 gtc
        place bob m buy_short limit 0.51 x2 gtc
        place alice m buy_long market x5 bips=150 current=0.50
        place alice m buy_long market x1 ticks=60 current=0.50
        "#,
        r#"
        exec #1 NEW bob buy_short limit gtc px=0.50 qty=2 state=NEW
        exec #2 NEW bob buy_short limit gtc px=0.51 qty=2 state=NEW
        exec #3 NEW alice buy_long market ioc px=0.50 qty=5 state=NEW
        trade t1 2@0.50 taker=alice#3 maker=bob#1
        exec #3 PARTIAL_FILL 2@0.50 taker state=PARTIALLY_FILLED cum=2 leaves=3
        exec #1 FILL 2@0.50 maker state=FILLED cum=2 leaves=0 avg=0.50
        exec #3 CANCELED state=CANCELED cum=2 leaves=0 text="unfilled remainder of an immediate order canceled"
        exec #4 NEW alice buy_long market ioc px=0.99 qty=1 state=NEW
        trade t2 1@0.51 taker=alice#4 maker=bob#2
        exec #4 FILL 1@0.51 taker state=FILLED cum=1 leaves=0 avg=0.51
        exec #2 PARTIAL_FILL 1@0.51 maker state=PARTIALLY_FILLED cum=1 leaves=1
        "#,
    );
}

#[test]
fn market_sell_long_with_slippage() {
    // Bound 0.55 - 2 x 0.01 = 0.53: 3 at 0.55 and 2 at 0.53; realized 2.71 - 2.50.
    check(
        "
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.55 x3 gtc
        ~place carol m buy_long limit 0.53 x3 gtc
        ~place carol m buy_long limit 0.52 x3 gtc
        place alice m sell_long market x5 ticks=2 current=0.55
        pos alice m
        ",
        "
        exec #6 NEW alice sell_long market ioc px=0.53 qty=5 state=NEW
        trade t2 3@0.55 taker=alice#6 maker=carol#3
        trade t3 2@0.53 taker=alice#6 maker=carol#4
        pos alice m net=5 avail=5 bought=10 sold=5 cost=2.50 realized=0.21 fees=0.00
        ",
    );
}

#[test]
fn cash_sized_buy_short_spends_on_the_no_price() {
    // $10 of NO at YES 0.60 (NO 0.40) is 25 contracts: cash +15, margin +25, BP -10.
    check(
        "
        market m
        account alice
        account bob cash=100
        place alice m buy_long limit 0.60 x30 gtc
        place bob m buy_short market $10
        bal bob
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.60 qty=30 state=NEW
        exec #2 NEW bob buy_short market ioc px=- qty=25 cash=10.00 state=NEW
        trade t1 25@0.60 taker=bob#2 maker=alice#1
        exec #2 FILL 25@0.60 taker state=FILLED cum=25 leaves=0 avg=0.60
        exec #1 PARTIAL_FILL 25@0.60 maker state=PARTIALLY_FILLED cum=25 leaves=5
        bal bob cash=115.00 margin=25.00 open=0.00 bp=90.00
        ",
    );
}

#[test]
fn fee_market_resting_bid_reserves_price_times_quantity() {
    // docs/trading.md §4: the worst case of a bid at p is p x q. Resting, it can only fill as the
    // maker, which earns a rebate, so no fee belongs in its reservation.
    check(
        "
        market m taker=0.0695 maker=-0.0125
        account alice cash=100
        place alice m buy_long limit 0.50 x10 gtc
        bal alice
        ",
        "
        exec #1 NEW alice buy_long limit gtc px=0.50 qty=10 state=NEW
        bal alice cash=100.00 margin=0.00 open=5.00 bp=95.00
        ",
    );
}

#[test]
fn taker_order_that_exactly_covers_its_fee_is_accepted() {
    // Worst case of buying 10 at 0.50: 5.00 + fee 0.0695 x 10 x 0.25 = 0.17375, which rounds
    // half-even to 0.17 (and the per-order cap never charges more): 5.17 fits exactly.
    check(
        "
        market m taker=0.0695 maker=-0.0125
        account alice cash=5.17
        account bob
        place bob m buy_short limit 0.50 x10 gtc
        place alice m buy_long limit 0.50 x10 ioc
        bal alice
        ",
        "
        exec #1 NEW bob buy_short limit gtc px=0.50 qty=10 state=NEW
        exec #2 NEW alice buy_long limit ioc px=0.50 qty=10 state=NEW
        trade t1 10@0.50 taker=alice#2 maker=bob#1
        exec #2 FILL 10@0.50 taker fee=0.17 state=FILLED cum=10 leaves=0 avg=0.50 fees=0.17
        exec #1 FILL 10@0.50 maker fee=-0.03 state=FILLED cum=10 leaves=0 avg=0.50 fees=-0.03
        bal alice cash=0.00 margin=0.00 open=0.00 bp=0.00
        ",
    );
}

#[test]
fn close_rejected_after_canceling_reducing_orders() {
    // docs/trading.md §5: the reducing orders are canceled first; the close then finds no bids.
    check(
        r#"
        market m
        account alice
        account bob
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place alice m sell_long limit 0.70 x4 gtc
        close alice m
        book m
        pos alice m
        "#,
        r#"
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by close-position"
        exec #4 REJECTED alice sell_long market ioc close px=- qty=10 state=REJECTED reason=NO_LIQUIDITY text="no liquidity for market order"
        book m bids=- asks=-
        pos alice m net=10 avail=10 bought=10 sold=0 cost=5.00 realized=0.00 fees=0.00
        "#,
    );
}

#[test]
fn close_short_cancels_resting_sell_short_orders() {
    check(
        r#"
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place bob m sell_short limit 0.40 x10 gtc
        ~place carol m buy_short limit 0.55 x10 gtc
        close bob m ticks=5 current=0.50
        pos bob m
        book m
        "#,
        r#"
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 text="canceled by close-position"
        exec #5 NEW bob sell_short market ioc close px=0.55 qty=10 state=NEW
        trade t2 10@0.55 taker=bob#5 maker=carol#4
        pos bob m net=0 avail=0 bought=10 sold=10 cost=0.00 realized=-0.50 fees=0.00
        book m bids=- asks=-
        "#,
    );
}

#[test]
fn close_bound_is_clamped_to_the_price_floor() {
    // 0.03 - 5 ticks = -0.02, clamped to 0.01.
    check(
        "
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place carol m buy_long limit 0.01 x10 gtc
        close alice m ticks=5 current=0.03
        ",
        "
        exec #4 NEW alice sell_long market ioc close px=0.01 qty=10 state=NEW
        trade t2 10@0.01 taker=alice#4 maker=carol#3
        ",
    );
}

#[test]
fn close_stops_at_the_accounts_own_resting_bid() {
    // The close's own BUY_LONG bid is not a reducing order, so it stays; self-trade
    // prevention cancels the close's remainder when it reaches it.
    check(
        r#"
        hide fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        ~place alice m buy_long limit 0.45 x5 gtc
        ~place carol m buy_long limit 0.48 x4 gtc
        close alice m
        book m
        pos alice m
        "#,
        r#"
        exec #5 NEW alice sell_long market ioc close px=- qty=10 state=NEW
        trade t2 4@0.48 taker=alice#5 maker=carol#4
        exec #5 CANCELED state=CANCELED cum=4 leaves=0 text="self-trade prevented: remainder canceled"
        book m bids=5@0.45 asks=-
        pos alice m net=6 avail=6 bought=10 sold=4 cost=3.00 realized=-0.08 fees=0.00
        "#,
    );
}

#[test]
fn buy_long_against_a_short_closes_it_then_opens_a_long() {
    // One netted position (docs/trading.md §3); BUY_* is not capped. Closing 10 short at 0.60
    // costs 6.00 and frees 10.00 margin; opening 5 long costs 3.00.
    check(
        "
        hide new fills
        market m
        account alice
        account bob
        account carol
        ~place bob m buy_short limit 0.50 x10 gtc
        ~place alice m buy_long limit 0.50 x10 ioc
        place carol m buy_short limit 0.60 x15 gtc
        bal bob
        place bob m buy_long limit 0.60 x15 ioc
        pos bob m
        bal bob
        ",
        "
        bal bob cash=1005.00 margin=10.00 open=0.00 bp=995.00
        trade t2 15@0.60 taker=bob#4 maker=carol#3
        pos bob m net=5 avail=5 bought=15 sold=10 cost=3.00 realized=-1.00 fees=0.00
        bal bob cash=996.00 margin=0.00 open=0.00 bp=996.00
        ",
    );
}

#[test]
fn modify_price_is_truncated_to_the_tick() {
    check(
        "
        hide new
        market m
        market h tick=0.005
        account alice
        place alice m buy_long limit 0.50 x1 gtc
        place alice h buy_long limit 0.50 x1 gtc
        modify alice #1 px=0.515
        modify alice #2 px=0.5199
        ",
        "
        exec #1 REPLACE px=0.51 qty=1 tif=gtc state=NEW cum=0 leaves=1
        exec #2 REPLACE px=0.515 qty=1 tif=gtc state=NEW cum=0 leaves=1
        ",
    );
}

#[test]
fn only_orders_that_bind_are_canceled_when_unfunded() {
    // In y alice holds 10 long and rests a bid (reserving $2.00) and a SELL_LONG that closes
    // the long (reserving nothing). Paying $4.00 in x leaves $1.00 free: the bid must go, the
    // newer SELL_LONG stays, since canceling it would not lower the reservation.
    check(
        r#"
        hide new fills
        market x
        market y
        account alice cash=10
        account bob
        account carol
        ~place bob y buy_short limit 0.50 x10 gtc
        ~place alice y buy_long limit 0.50 x10 ioc
        place alice y buy_long limit 0.40 x5 gtc
        place alice y sell_long limit 0.90 x10 gtc
        place alice x buy_long limit 0.50 x8 gtc
        place carol x buy_short limit 0.50 x8 ioc
        bal alice
        book y
        "#,
        r#"
        trade t2 8@0.50 taker=carol#6 maker=alice#5
        exec #3 CANCELED state=CANCELED cum=0 leaves=0 unsolicited=EXCHANGE_OPTION text="canceled: no longer funded by buying power"
        bal alice cash=1.00 margin=0.00 open=0.00 bp=1.00
        book y bids=- asks=10@0.90
        "#,
    );
}

#[test]
fn market_bounds_must_stay_within_a_cent_of_the_ends() {
    check(
        "
        market wide tick=0.001 lo=0.001 hi=0.999
        market narrow tick=0.001 lo=0.01 hi=0.99
        ",
        r#"
        err InvalidMarketSpec("price bounds must satisfy 0.01 <= min <= max <= 0.99")
        "#,
    );
}

#[test]
fn the_deposit_cap_counts_cash_outstanding() {
    // $10^8 may be outstanding at once; a withdrawal makes room again.
    check(
        "
        market m
        account alice cash=99999000
        deposit alice 1000
        deposit alice 0.01
        withdraw alice 500
        deposit alice 500
        bal alice
        ",
        "
        cash alice deposit 1000.00
        err InvalidAmount
        cash alice withdrawal 500.00
        cash alice deposit 500.00
        bal alice cash=100000000.00 margin=0.00 open=0.00 bp=100000000.00
        ",
    );
}
