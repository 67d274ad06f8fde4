//! The trading commands of `pmx`: market data, orders, close-position, portfolio, balances.
//!
//! Every command takes the connection flags (`Connection`): `--url` (or `PMX_URL`; default
//! the real Polymarket US hosts), the credentials (see `credentials`), `--json` and
//! `--retries`. By default a command prints a readable table (`render`); with `--json` it
//! prints the body of the server's reply exactly as received. A failure is one line on stderr,
//! `error: <status> <message> (correlation id <id>)` or `error: cannot reach <url>: <reason>`,
//! and exit code 1 (2 for a command line that makes no sense, as clap does).
//!
//! Decisions:
//! - Orders from the CLI carry `manualOrderIndicator: MANUAL` (a person typed them).
//! - After `order create`, `order modify`, `order cancel` and `close-position`, the table view
//!   reads the order back, so the trader sees its state (a business reject is still a 200);
//!   `--json` prints only the reply of the request itself.
//! - The direction is either `--intent` or the pair ACTION OUTCOME (`buy yes`, `sell no`),
//!   sent as `intent` or as `action` + `outcomeSide`, as given.
//! - The order type defaults to limit when `--price` is given, market otherwise.
//! - `watch` streams until Ctrl-C (see `watch`); it prints as it goes, so it returns no output.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use client::{Call, Client, RawResponse};
use protocol::{
    ActivitiesQuery, ActivityType, Amount, CancelOpenOrdersRequest, CancelOpenOrdersResponse, CancelOrderRequest,
    ClosePositionOrderRequest, ClosePositionOrderResponse, CreateOrderRequest, CreateOrderResponse, Execution,
    GetAccountBalancesResponse, GetActivitiesResponse, GetMarketResponse, GetMarketSettlementResponse,
    GetMarketsResponse, GetOpenOrdersResponse, GetOrderResponse, GetUserPositionsResponse, Int64Text, JsonNumber,
    MARKETS_PER_SUBSCRIPTION_MAX, ManualOrderIndicator, MarketBboResponse, MarketBookResponse, MarketsQuery,
    ModifyOrderRequest, OpenOrdersQuery, OrderAction, OrderIntent, OrderState, OrderType, OutcomeSide, PositionsQuery,
    PreviewOrderRequest, PreviewOrderResponse, SlippageTolerance, SortOrder, Subscribe, SubscriptionType, TimeInForce,
};
use serde::de::DeserializeOwned;

use crate::credentials;
use crate::render;
use crate::watch;

/// Where and how to reach the API; flattened into every trading command.
#[derive(Args, Debug)]
pub(crate) struct Connection {
    /// Base URL of both API hosts, e.g. http://127.0.0.1:8080 [default: https://api.polymarket.us
    /// and https://gateway.polymarket.us]
    #[arg(long, env = "PMX_URL", value_name = "URL")]
    url: Option<String>,
    /// JSON file with "keyId" and "secretKey", e.g. pmx-data/demo-credentials.json
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// API key id (with --secret-key); else --credentials, else POLYMARKET_KEY_ID
    #[arg(long, value_name = "UUID", requires = "secret_key")]
    key_id: Option<String>,
    /// Base64 secret key (with --key-id); else --credentials, else POLYMARKET_SECRET_KEY
    #[arg(long, value_name = "BASE64", requires = "key_id")]
    secret_key: Option<String>,
    /// Print the server's JSON reply instead of a table
    #[arg(long)]
    json: bool,
    /// Retries of a read after 408, 429, 5xx or no reply (writes are never retried)
    #[arg(long, value_name = "N", default_value_t = 2)]
    retries: u32,
}

/// The trading commands (flattened into `pmx`'s own subcommands).
#[derive(Subcommand, Debug)]
pub(crate) enum TradeCommand {
    /// List markets
    Markets(MarketsArgs),
    /// Show one market, by slug or --id
    Market(MarketArgs),
    /// Show a market's order book (YES prices), best levels first
    Book(BookArgs),
    /// Show a market's best bid and offer
    Bbo(SlugArgs),
    /// Show the settlement price of a settled market
    Settlement(SlugArgs),
    /// Check that the server is serving
    Health(ConnectionArgs),
    /// Create, show, cancel or modify one order
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
    /// List open orders
    Orders(OrdersArgs),
    /// Cancel every open order (or those in the --market markets)
    CancelAll(CancelAllArgs),
    /// Validate and price an order without placing it (same flags as `order create`)
    Preview(OrderArgs),
    /// Close the whole position in one market with a market order
    ClosePosition(CloseArgs),
    /// List positions
    Positions(PositionsArgs),
    /// List account activity: trades, deposits, settlements
    Activities(ActivitiesArgs),
    /// Show account balances
    Balances(ConnectionArgs),
    /// Follow a stream, one line per event, until Ctrl-C
    Watch {
        #[command(subcommand)]
        command: WatchCommand,
    },
}

/// The streams `pmx watch` follows (all signed: both streams need a key).
#[derive(Subcommand, Debug)]
pub(crate) enum WatchCommand {
    /// A market's book on every change: the top levels of each side and their count
    Book(WatchBookArgs),
    /// Every trade in these markets
    Trades(WatchTradesArgs),
    /// Your orders' executions: new, fills, cancels, rejects
    Orders(WatchOrdersArgs),
    /// Your balance and buying power, then every change and its cause
    Balances(ConnectionArgs),
}

#[derive(Args, Debug)]
pub(crate) struct WatchBookArgs {
    /// Market slug
    slug: String,
    /// Levels shown per side
    #[arg(long, default_value_t = 3)]
    depth: usize,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct WatchTradesArgs {
    /// Market slugs (1 to 100)
    #[arg(required = true, value_name = "SLUG")]
    slugs: Vec<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct WatchOrdersArgs {
    /// Only orders in these markets (repeatable; default every market)
    #[arg(long = "market", value_name = "SLUG")]
    markets: Vec<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Subcommand, Debug)]
pub(crate) enum OrderCommand {
    /// Place an order: `pmx order create SLUG buy yes --price 0.45 --quantity 10`
    Create(OrderArgs),
    /// Show one order, in any state
    Get(OrderIdArgs),
    /// Cancel one order
    Cancel(CancelArgs),
    /// Change an order's price, quantity or time in force (it keeps its id)
    Modify(ModifyArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ConnectionArgs {
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct SlugArgs {
    /// Market slug
    slug: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct MarketsArgs {
    /// Only these markets (repeatable)
    #[arg(long = "slug", value_name = "SLUG")]
    slugs: Vec<String>,
    /// Only markets accepting orders
    #[arg(long)]
    active: bool,
    /// Only markets whose trading has finished
    #[arg(long)]
    closed: bool,
    /// Page size
    #[arg(long)]
    limit: Option<i64>,
    /// Markets to skip
    #[arg(long)]
    offset: Option<i64>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct MarketArgs {
    /// Market slug
    #[arg(required_unless_present = "id")]
    slug: Option<String>,
    /// Market id instead of a slug
    #[arg(long, conflicts_with = "slug")]
    id: Option<i64>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct BookArgs {
    /// Market slug
    slug: String,
    /// Show at most this many levels a side
    #[arg(long)]
    depth: Option<usize>,
    #[command(flatten)]
    connection: Connection,
}

/// Buy or sell (with an outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Action {
    Buy,
    Sell,
}

/// YES (long) or NO (short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Outcome {
    Yes,
    No,
}

/// The four directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Intent {
    /// Buy YES
    #[value(alias = "ORDER_INTENT_BUY_LONG")]
    BuyLong,
    /// Sell YES you hold
    #[value(alias = "ORDER_INTENT_SELL_LONG")]
    SellLong,
    /// Buy NO
    #[value(alias = "ORDER_INTENT_BUY_SHORT")]
    BuyShort,
    /// Sell NO you hold
    #[value(alias = "ORDER_INTENT_SELL_SHORT")]
    SellShort,
}

/// Limit or market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    #[value(alias = "ORDER_TYPE_LIMIT")]
    Limit,
    #[value(alias = "ORDER_TYPE_MARKET")]
    Market,
}

/// Time in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Tif {
    /// Until the end of the trading day (the default)
    #[value(alias = "TIME_IN_FORCE_DAY")]
    Day,
    /// Good till cancel
    #[value(alias = "good-till-cancel", alias = "TIME_IN_FORCE_GOOD_TILL_CANCEL")]
    Gtc,
    /// Good till date (with --good-till)
    #[value(alias = "good-till-date", alias = "TIME_IN_FORCE_GOOD_TILL_DATE")]
    Gtd,
    /// Immediate or cancel
    #[value(alias = "immediate-or-cancel", alias = "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL")]
    Ioc,
    /// Fill or kill
    #[value(alias = "fill-or-kill", alias = "TIME_IN_FORCE_FILL_OR_KILL")]
    Fok,
}

impl Tif {
    fn wire(self) -> TimeInForce {
        match self {
            Tif::Day => TimeInForce::Day,
            Tif::Gtc => TimeInForce::GoodTillCancel,
            Tif::Gtd => TimeInForce::GoodTillDate,
            Tif::Ioc => TimeInForce::ImmediateOrCancel,
            Tif::Fok => TimeInForce::FillOrKill,
        }
    }
}

/// The worst-price bound of a market order or a close.
#[derive(Args, Debug)]
pub(crate) struct SlippageArgs {
    /// Worst price = reference price -/+ this many ticks
    #[arg(long, value_name = "TICKS", conflicts_with = "slippage_bips")]
    slippage_ticks: Option<i32>,
    /// Worst price = reference price x (1 -/+ bips / 10000)
    #[arg(long, value_name = "BIPS")]
    slippage_bips: Option<i32>,
    /// Reference YES price of the bound [default: the best opposite price on arrival]
    #[arg(long, value_name = "PRICE")]
    current_price: Option<String>,
}

impl SlippageArgs {
    fn tolerance(&self) -> Result<Option<SlippageTolerance>, CliError> {
        if self.slippage_ticks.is_none() && self.slippage_bips.is_none() {
            if self.current_price.is_some() {
                return Err(CliError::Usage("--current-price needs --slippage-ticks or --slippage-bips".into()));
            }
            return Ok(None);
        }
        let current_price = self.current_price.as_deref().map(|text| price("--current-price", text)).transpose()?;
        Ok(Some(SlippageTolerance { current_price, bips: self.slippage_bips, ticks: self.slippage_ticks }))
    }

    fn is_set(&self) -> bool {
        self.slippage_ticks.is_some() || self.slippage_bips.is_some() || self.current_price.is_some()
    }
}

#[derive(Args, Debug)]
pub(crate) struct OrderArgs {
    /// Market slug
    slug: String,
    /// buy or sell, followed by OUTCOME (or give --intent)
    #[arg(value_enum, ignore_case = true)]
    action: Option<Action>,
    /// yes or no
    #[arg(value_enum, ignore_case = true)]
    outcome: Option<Outcome>,
    /// The direction as one intent, instead of ACTION OUTCOME
    #[arg(long, value_enum, ignore_case = true, conflicts_with_all = ["action", "outcome"])]
    intent: Option<Intent>,
    /// Order type [default: limit with --price, else market]
    #[arg(long = "type", value_enum, ignore_case = true)]
    kind: Option<Kind>,
    /// Limit price: a YES price such as 0.45
    #[arg(long)]
    price: Option<String>,
    /// Contracts, e.g. 10 or 2.5
    #[arg(long, required_unless_present = "cash", conflicts_with = "cash")]
    quantity: Option<String>,
    /// Dollars to spend instead of a quantity (market buys)
    #[arg(long, value_name = "DOLLARS")]
    cash: Option<String>,
    /// Time in force [default: day]
    #[arg(long, value_enum, ignore_case = true)]
    tif: Option<Tif>,
    /// Expiry of a good-till-date order (RFC 3339, e.g. 2026-12-01T17:00:00Z)
    #[arg(long, value_name = "TIME")]
    good_till: Option<String>,
    /// Post only: reject the order rather than trade on arrival
    #[arg(long)]
    post_only: bool,
    /// Wait for the order's outcome and show every execution
    #[arg(long)]
    sync: bool,
    /// Longest wait for --sync, in seconds [default: the server's]
    #[arg(long, value_name = "SECONDS", requires = "sync")]
    max_block_time: Option<i64>,
    #[command(flatten)]
    slippage: SlippageArgs,
    #[command(flatten)]
    connection: Connection,
}

impl OrderArgs {
    fn request(&self) -> Result<CreateOrderRequest, CliError> {
        let (intent, action, outcome_side) = match (self.intent, self.action, self.outcome) {
            (Some(intent), _, _) => (Some(intent_wire(intent)), None, None),
            (None, Some(action), Some(outcome)) => {
                let action = match action {
                    Action::Buy => OrderAction::Buy,
                    Action::Sell => OrderAction::Sell,
                };
                let outcome = match outcome {
                    Outcome::Yes => OutcomeSide::Yes,
                    Outcome::No => OutcomeSide::No,
                };
                (None, Some(action), Some(outcome))
            }
            (None, Some(_), None) => return Err(CliError::Usage("say which outcome: `buy yes`, `sell no`...".into())),
            (None, None, _) => {
                return Err(CliError::Usage(
                    "say what to trade: ACTION OUTCOME (`buy yes`, `sell no`...) or --intent buy-long".into(),
                ));
            }
        };
        let kind = self.kind.unwrap_or(if self.price.is_some() { Kind::Limit } else { Kind::Market });
        match kind {
            Kind::Limit if self.price.is_none() => return Err(CliError::Usage("a limit order needs --price".into())),
            Kind::Limit if self.slippage.is_set() => {
                return Err(CliError::Usage("slippage bounds are for market orders; a limit order has --price".into()));
            }
            Kind::Market if self.price.is_some() => {
                return Err(CliError::Usage(
                    "a market order takes no --price; bound it with --slippage-ticks or --slippage-bips".into(),
                ));
            }
            _ => {}
        }
        Ok(CreateOrderRequest {
            market_slug: self.slug.clone(),
            order_type: Some(match kind {
                Kind::Limit => OrderType::Limit,
                Kind::Market => OrderType::Market,
            }),
            price: self.price.as_deref().map(|text| price("--price", text)).transpose()?,
            quantity: self.quantity.as_deref().map(|text| quantity("--quantity", text)).transpose()?,
            tif: self.tif.map(Tif::wire),
            participate_dont_initiate: self.post_only.then_some(true),
            good_till_time: self.good_till.clone(),
            intent,
            outcome_side,
            action,
            cash_order_qty: self.cash.as_deref().map(|text| price("--cash", text)).transpose()?,
            manual_order_indicator: Some(ManualOrderIndicator::Manual),
            synchronous_execution: self.sync.then_some(true),
            max_block_time: self.max_block_time.map(Int64Text::from_i64),
            slippage_tolerance: self.slippage.tolerance()?,
        })
    }
}

fn intent_wire(intent: Intent) -> OrderIntent {
    match intent {
        Intent::BuyLong => OrderIntent::BuyLong,
        Intent::SellLong => OrderIntent::SellLong,
        Intent::BuyShort => OrderIntent::BuyShort,
        Intent::SellShort => OrderIntent::SellShort,
    }
}

/// A money value from the command line, checked to be a decimal.
fn price(flag: &str, text: &str) -> Result<Amount, CliError> {
    protocol::decimal_to_units(text, protocol::CASH_DP)
        .map(|_| Amount::usd(text.trim()))
        .map_err(|error| CliError::Usage(format!("{flag}: {error}")))
}

/// A quantity from the command line, as an exact JSON number.
fn quantity(flag: &str, text: &str) -> Result<JsonNumber, CliError> {
    JsonNumber::parse(text.trim()).map_err(|error| CliError::Usage(format!("{flag}: {error}")))
}

#[derive(Args, Debug)]
pub(crate) struct OrderIdArgs {
    /// Order id
    id: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct CancelArgs {
    /// Order id
    id: String,
    /// The order's market (optional on pmx)
    #[arg(long, value_name = "SLUG")]
    market: Option<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct ModifyArgs {
    /// Order id
    id: String,
    /// New limit price
    #[arg(long)]
    price: Option<String>,
    /// New quantity
    #[arg(long)]
    quantity: Option<String>,
    /// New time in force
    #[arg(long, value_enum, ignore_case = true)]
    tif: Option<Tif>,
    /// New expiry of a good-till-date order (RFC 3339)
    #[arg(long, value_name = "TIME")]
    good_till: Option<String>,
    /// The order's market (optional on pmx)
    #[arg(long, value_name = "SLUG")]
    market: Option<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct OrdersArgs {
    /// Only orders in these markets (repeatable)
    #[arg(long = "market", value_name = "SLUG")]
    markets: Vec<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct CancelAllArgs {
    /// Only orders in these markets (repeatable) [default: every market]
    #[arg(long = "market", value_name = "SLUG")]
    markets: Vec<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
pub(crate) struct CloseArgs {
    /// Market slug
    slug: String,
    #[command(flatten)]
    slippage: SlippageArgs,
    /// Wait for the close order's outcome and show every execution
    #[arg(long)]
    sync: bool,
    /// Longest wait for --sync, in seconds [default: the server's]
    #[arg(long, value_name = "SECONDS", requires = "sync")]
    max_block_time: Option<i64>,
    #[command(flatten)]
    connection: Connection,
}

/// Which page of a cursor-paged list (positions, activities).
#[derive(Args, Debug)]
pub(crate) struct PageArgs {
    /// Page size [default: the server's, 100]
    #[arg(long)]
    limit: Option<i64>,
    /// The cursor printed under the previous page
    #[arg(long)]
    cursor: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct PositionsArgs {
    /// Only this market
    #[arg(long, value_name = "SLUG")]
    market: Option<String>,
    #[command(flatten)]
    page: PageArgs,
    #[command(flatten)]
    connection: Connection,
}

/// Kinds of activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ActivityKind {
    Trade,
    Resolution,
    Deposit,
    AdvancedDeposit,
    Withdrawal,
    ReferralBonus,
    Transfer,
    TakerFeeRebate,
    LiquidityProgram,
}

impl ActivityKind {
    fn wire(self) -> ActivityType {
        match self {
            ActivityKind::Trade => ActivityType::Trade,
            ActivityKind::Resolution => ActivityType::PositionResolution,
            ActivityKind::Deposit => ActivityType::AccountDeposit,
            ActivityKind::AdvancedDeposit => ActivityType::AccountAdvancedDeposit,
            ActivityKind::Withdrawal => ActivityType::AccountWithdrawal,
            ActivityKind::ReferralBonus => ActivityType::ReferralBonus,
            ActivityKind::Transfer => ActivityType::Transfer,
            ActivityKind::TakerFeeRebate => ActivityType::TakerFeeRebate,
            ActivityKind::LiquidityProgram => ActivityType::LiquidityProgram,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct ActivitiesArgs {
    /// Only this market
    #[arg(long, value_name = "SLUG")]
    market: Option<String>,
    /// Only these kinds (repeatable)
    #[arg(long = "type", value_enum, value_name = "TYPE", ignore_case = true)]
    types: Vec<ActivityKind>,
    /// Oldest first (default: newest first)
    #[arg(long)]
    oldest_first: bool,
    #[command(flatten)]
    page: PageArgs,
    #[command(flatten)]
    connection: Connection,
}

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The API call failed.
    Client(client::Error),
    /// The command line makes no sense (exit code 2).
    Usage(String),
    /// Anything else (exit code 1).
    Other(String),
}

impl From<client::Error> for CliError {
    fn from(error: client::Error) -> CliError {
        CliError::Client(error)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Client(error) => write!(f, "{error}"),
            CliError::Usage(message) | CliError::Other(message) => f.write_str(message),
        }
    }
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Client(_) | CliError::Other(_) => ExitCode::FAILURE,
        }
    }
}

/// Runs a trading command on a single-threaded runtime; prints its output, or one error line.
pub(crate) fn run(command: TradeCommand) -> ExitCode {
    let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(execute(command)),
        Err(error) => Err(CliError::Other(format!("cannot start the async runtime: {error}"))),
    };
    match outcome {
        Ok(output) => {
            // A closed pipe (`pmx markets | head -1`) is not an error worth reporting.
            let _ = std::io::stdout().write_all(output.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            let line = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            eprintln!("error: {line}");
            error.exit_code()
        }
    }
}

/// A connected client and the output mode.
struct Session {
    client: Client,
    json: bool,
}

impl Session {
    /// A client for public market data (credentials are not read).
    fn public(connection: &Connection) -> Result<Session, CliError> {
        Session::build(connection, None)
    }

    /// A client with credentials, which signed commands need.
    fn signed(connection: &Connection) -> Result<Session, CliError> {
        let credentials = credentials::resolve(
            connection.key_id.as_deref(),
            connection.secret_key.as_deref(),
            connection.credentials.as_deref(),
        )
        .map_err(|error| CliError::Client(client::Error::Credentials(error)))?
        .ok_or_else(|| CliError::Other(credentials::MISSING.to_owned()))?;
        Session::build(connection, Some(credentials))
    }

    fn build(connection: &Connection, credentials: Option<client::Credentials>) -> Result<Session, CliError> {
        let mut builder = Client::builder().maybe_credentials(credentials).max_retries(connection.retries);
        if let Some(url) = &connection.url {
            builder = builder.base_url(url);
        }
        Ok(Session { client: builder.build()?, json: connection.json })
    }

    async fn send(&self, call: Call) -> Result<RawResponse, CliError> {
        Ok(self.client.send(&call).await?)
    }

    /// The output of a reply: its body with `--json`, else `view` of the decoded value.
    fn show<T: DeserializeOwned>(&self, raw: &RawResponse, view: impl FnOnce(T) -> String) -> Result<String, CliError> {
        if self.json {
            return Ok(json_text(raw));
        }
        Ok(view(raw.json()?))
    }

    /// The order's state and details, read back after a write; a failed read is reported
    /// without failing the command, since the write itself succeeded.
    /// With `explain`, a rejected order gets a hint on how to see why.
    async fn order_after(&self, id: &str, done: &str, explain: bool) -> String {
        match self.client.order(id).await {
            Ok(order) => {
                let mut text = format!("{done}\n{}", render::order(&order));
                if explain && order.state == Some(OrderState::Rejected) {
                    text.push_str("the exchange rejected the order; run with --sync to see why\n");
                }
                text
            }
            Err(error) => format!("{done} (the order could not be read back: {error})\n"),
        }
    }
}

/// The body as received, ending in one newline.
fn json_text(raw: &RawResponse) -> String {
    let mut text = raw.body.clone();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The executions of a synchronous reply as a table, then the order.
async fn placed(session: &Session, id: &str, executions: &[Execution], done: &str) -> String {
    let mut out = String::new();
    if !executions.is_empty() {
        out.push_str(&render::executions(executions));
        out.push('\n');
    }
    out.push_str(&session.order_after(id, done, executions.is_empty()).await);
    out
}

/// The footer of a paged list.
fn more(eof: bool, cursor: &str) -> String {
    if eof || cursor.is_empty() { String::new() } else { format!("more: repeat with --cursor {cursor}\n") }
}

async fn execute(command: TradeCommand) -> Result<String, CliError> {
    match command {
        TradeCommand::Markets(args) => {
            let session = Session::public(&args.connection)?;
            let query = MarketsQuery {
                limit: args.limit,
                offset: args.offset,
                slug: args.slugs,
                active: args.active.then_some(true),
                closed: args.closed.then_some(true),
                ..MarketsQuery::default()
            };
            let raw = session.send(Call::markets(&query)).await?;
            session.show(&raw, |reply: GetMarketsResponse| render::markets(&reply.markets))
        }
        TradeCommand::Market(args) => {
            let session = Session::public(&args.connection)?;
            let call = match (&args.slug, args.id) {
                (_, Some(id)) => Call::market_by_id(id),
                (Some(slug), None) => Call::market_by_slug(slug),
                (None, None) => return Err(CliError::Usage("give a market slug or --id".into())),
            };
            let raw = session.send(call).await?;
            session.show(&raw, |reply: GetMarketResponse| render::market(&reply.market))
        }
        TradeCommand::Book(args) => {
            let session = Session::public(&args.connection)?;
            let raw = session.send(Call::book(&args.slug)).await?;
            session.show(&raw, |mut reply: MarketBookResponse| {
                if let Some(depth) = args.depth {
                    reply.market_data.bids.truncate(depth);
                    reply.market_data.offers.truncate(depth);
                }
                render::book(&reply.market_data)
            })
        }
        TradeCommand::Bbo(args) => {
            let session = Session::public(&args.connection)?;
            let raw = session.send(Call::bbo(&args.slug)).await?;
            session.show(&raw, |reply: MarketBboResponse| render::bbo(&reply.market_data))
        }
        TradeCommand::Settlement(args) => {
            let session = Session::public(&args.connection)?;
            let raw = session.send(Call::settlement(&args.slug)).await?;
            session.show(&raw, |reply: GetMarketSettlementResponse| {
                format!("{} settled at {}\n", reply.slug, reply.settlement)
            })
        }
        TradeCommand::Health(args) => {
            let session = Session::public(&args.connection)?;
            let raw = session.send(Call::health()).await?;
            session.show(&raw, |reply: client::Health| format!("{}\n", reply.status))
        }
        TradeCommand::Order { command } => order(command).await,
        TradeCommand::Orders(args) => {
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::open_orders(&OpenOrdersQuery { slugs: args.markets })).await?;
            session.show(&raw, |reply: GetOpenOrdersResponse| render::orders(&reply.orders))
        }
        TradeCommand::CancelAll(args) => {
            let session = Session::signed(&args.connection)?;
            let slugs = if args.markets.is_empty() { None } else { Some(args.markets) };
            let raw =
                session.send(Call::cancel_open_orders(&CancelOpenOrdersRequest { slugs, market_slug: None })).await?;
            session.show(&raw, |reply: CancelOpenOrdersResponse| match reply.canceled_order_ids.len() {
                0 => "no open orders to cancel\n".to_owned(),
                count => format!(
                    "canceled {count} order{}: {}\n",
                    if count == 1 { "" } else { "s" },
                    reply.canceled_order_ids.join(", ")
                ),
            })
        }
        TradeCommand::Preview(args) => {
            let request = PreviewOrderRequest { request: Some(args.request()?) };
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::preview_order(&request)).await?;
            session.show(&raw, |reply: PreviewOrderResponse| {
                format!("preview only: nothing was placed\n{}", render::order(&reply.order))
            })
        }
        TradeCommand::ClosePosition(args) => {
            let slippage_tolerance = args.slippage.tolerance()?;
            let session = Session::signed(&args.connection)?;
            let request = ClosePositionOrderRequest {
                market_slug: args.slug.clone(),
                manual_order_indicator: Some(ManualOrderIndicator::Manual),
                synchronous_execution: args.sync.then_some(true),
                max_block_time: args.max_block_time.map(Int64Text::from_i64),
                slippage_tolerance,
            };
            let raw = session.send(Call::close_position(&request)).await?;
            if session.json {
                return Ok(json_text(&raw));
            }
            let reply: ClosePositionOrderResponse = raw.json()?;
            let done = format!("close order {} sent for {}", reply.id, args.slug);
            Ok(placed(&session, &reply.id, &reply.executions, &done).await)
        }
        TradeCommand::Positions(args) => {
            let session = Session::signed(&args.connection)?;
            let query = PositionsQuery { market: args.market, limit: args.page.limit, cursor: args.page.cursor };
            let raw = session.send(Call::positions(&query)).await?;
            session.show(&raw, |reply: GetUserPositionsResponse| {
                render::positions(&reply.positions) + &more(reply.eof, &reply.next_cursor)
            })
        }
        TradeCommand::Activities(args) => {
            let session = Session::signed(&args.connection)?;
            let query = ActivitiesQuery {
                limit: args.page.limit,
                cursor: args.page.cursor,
                market_slug: args.market,
                types: args.types.into_iter().map(ActivityKind::wire).collect(),
                sort_order: args.oldest_first.then_some(SortOrder::Ascending),
            };
            let raw = session.send(Call::activities(&query)).await?;
            session.show(&raw, |reply: GetActivitiesResponse| {
                render::activities(&reply.activities) + &more(reply.eof, &reply.next_cursor)
            })
        }
        TradeCommand::Balances(args) => {
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::balances()).await?;
            session.show(&raw, |reply: GetAccountBalancesResponse| render::balances(&reply.balances))
        }
        TradeCommand::Watch { command } => {
            let (connection, name, kind, slugs, depth) = match command {
                WatchCommand::Book(args) => {
                    (args.connection, "book", SubscriptionType::MarketData, vec![args.slug], args.depth)
                }
                WatchCommand::Trades(args) => {
                    if args.slugs.len() > MARKETS_PER_SUBSCRIPTION_MAX {
                        return Err(CliError::Usage(format!(
                            "at most {MARKETS_PER_SUBSCRIPTION_MAX} markets in one watch"
                        )));
                    }
                    (args.connection, "trades", SubscriptionType::Trade, args.slugs, 0)
                }
                WatchCommand::Orders(args) => (args.connection, "orders", SubscriptionType::Order, args.markets, 0),
                WatchCommand::Balances(args) => {
                    (args.connection, "balances", SubscriptionType::AccountBalance, Vec::new(), 0)
                }
            };
            let session = Session::signed(&connection)?;
            let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
            let subscribe = Subscribe::new(format!("pmx-watch-{name}"), kind, &slugs);
            let view = watch::View { depth, json: session.json };
            watch::run(&session.client, kind.stream(), subscribe, view).await?;
            Ok(String::new())
        }
    }
}

async fn order(command: OrderCommand) -> Result<String, CliError> {
    match command {
        OrderCommand::Create(args) => {
            let request = args.request()?;
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::create_order(&request)).await?;
            if session.json {
                return Ok(json_text(&raw));
            }
            let reply: CreateOrderResponse = raw.json()?;
            let done = format!("order {} placed", reply.id);
            Ok(placed(&session, &reply.id, &reply.executions, &done).await)
        }
        OrderCommand::Get(args) => {
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::order(&args.id)).await?;
            session.show(&raw, |reply: GetOrderResponse| render::order(&reply.order))
        }
        OrderCommand::Cancel(args) => {
            let session = Session::signed(&args.connection)?;
            let request = CancelOrderRequest { market_slug: args.market };
            let raw = session.send(Call::cancel_order(&args.id, &request)).await?;
            if session.json {
                return Ok(json_text(&raw));
            }
            Ok(session.order_after(&args.id, &format!("cancel of order {} accepted", args.id), false).await)
        }
        OrderCommand::Modify(args) => {
            if args.price.is_none() && args.quantity.is_none() && args.tif.is_none() && args.good_till.is_none() {
                return Err(CliError::Usage(
                    "nothing to change: give --price, --quantity, --tif or --good-till".into(),
                ));
            }
            let request = ModifyOrderRequest {
                market_slug: args.market,
                price: args.price.as_deref().map(|text| price("--price", text)).transpose()?,
                quantity: args.quantity.as_deref().map(|text| quantity("--quantity", text)).transpose()?,
                tif: args.tif.map(Tif::wire),
                participate_dont_initiate: None,
                good_till_time: args.good_till,
            };
            let session = Session::signed(&args.connection)?;
            let raw = session.send(Call::modify_order(&args.id, &request)).await?;
            if session.json {
                return Ok(json_text(&raw));
            }
            Ok(session.order_after(&args.id, &format!("order {} modified", args.id), false).await)
        }
    }
}
