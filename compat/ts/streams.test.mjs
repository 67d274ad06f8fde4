// The WebSocket streams through the TypeScript SDK 0.1.1's sockets (client.ws.private(),
// client.ws.markets()): each subscription helper with the event its frames reach, errors,
// heartbeats (1 s in compat/pmx.toml.in), the signed upgrade and close.
//
// 0.1.1 routes `positionSubscription` and `accountBalancesUpdate` frames to no event of their
// own (it knows only the older keys positionUpdate / accountBalanceUpdate...), so position and
// balance updates are asserted on `message`, which sees every frame.
//
// Subscriptions without a snapshot are followed by a one-shot order snapshot before trading:
// the server handles a connection's frames in order, so once it is back they are in place.
import { after, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { PolymarketUSError, WebSocketError } from 'polymarket-us';
import {
  IOC, assertAmount, bid, buildLong, client, create, eqNum, getOrder, limitBody, maker, offer, trader,
} from './helpers.mjs';

const ORDERS = 'ts-ws-orders';
const POS = 'ts-ws-pos';
const MD = 'ts-ws-md';
const UNTOUCHED = 'ts-untouched';
const WAIT_MS = 3000;
const QUIET_MS = 300;

// Every socket the tests open, closed after the last test even when one failed midway (an
// open socket would keep this file's process alive), and a time limit on each test.
const sockets = [];
after(() => sockets.forEach((ws) => ws.close()));
const test = (name, fn) => nodeTest(name, { timeout: 20000 }, fn);
function open(c, kind) {
  const ws = kind === 'private' ? c.ws.private() : c.ws.markets();
  sockets.push(ws);
  return ws;
}

const ROUTED = {
  private: ['heartbeat', 'error', 'orderSnapshot', 'orderUpdate', 'positionSnapshot', 'positionUpdate',
    'accountBalanceSnapshot', 'accountBalanceUpdate'],
  markets: ['heartbeat', 'error', 'marketData', 'marketDataLite', 'trade'],
};

// Every event of one SDK socket, by name, in arrival order; `next` waits with a timeout.
class Events {
  constructor(ws, kind) {
    this.kind = kind;
    this.seen = {};
    this.read = {};
    this.wakers = new Set();
    for (const name of ['message', 'open', 'close', ...ROUTED[kind]]) {
      this.seen[name] = [];
      this.read[name] = 0;
      ws.on(name, (arg) => {
        this.seen[name].push(arg);
        for (const wake of this.wakers) wake();
      });
    }
  }

  frames() {
    return this.seen.message.filter((m) => !('heartbeat' in m));
  }

  async next(name, match = () => true, timeoutMs = WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = this.seen[name];
      while (this.read[name] < items.length) {
        const item = items[this.read[name]++];
        if (match(item)) return item;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${name} event within ${timeoutMs} ms on the ${this.kind} stream; frames: ${JSON.stringify(this.frames().slice(-8))}`);
      }
      await new Promise((resolve) => {
        const wake = () => { clearTimeout(timer); this.wakers.delete(wake); resolve(); };
        const timer = setTimeout(wake, left);
        this.wakers.add(wake);
      });
    }
  }

  async none(name, match = () => true, ms = QUIET_MS) {
    let item;
    try {
      item = await this.next(name, match, ms);
    } catch {
      return;
    }
    throw new Error(`unexpected ${name} event: ${JSON.stringify(item)}`);
  }
}

// A connected SDK socket with its events recorded; `body` runs, then the socket is closed.
async function withStream(c, kind, body) {
  const ws = open(c, kind);
  const events = new Events(ws, kind);
  await ws.connect();
  assert.ok(ws.isConnected);
  assert.equal(events.seen.open.length, 1);
  try {
    await body(ws, events);
  } finally {
    ws.close();
  }
  await events.next('close');
  for (const error of events.seen.error) {
    assert.ok(error instanceof WebSocketError, `not an error frame: ${error}`);
  }
}

function envelope(frame, requestId, subscriptionType, key) {
  assert.equal(frame.requestId, requestId, JSON.stringify(frame));
  assert.equal(frame.subscriptionType, subscriptionType, JSON.stringify(frame));
  assert.ok(!('error' in frame), JSON.stringify(frame));
  assert.equal(typeof frame[key], 'object', JSON.stringify(frame));
  return frame[key];
}

const of = (requestId) => (frame) => frame.requestId === requestId;
const has = (key, requestId) => (frame) => key in frame && frame.requestId === requestId;

let barriers = 0;
async function barrier(ws, events) {
  const requestId = `barrier-${++barriers}`;
  ws.subscribe(requestId, 'SUBSCRIPTION_TYPE_ORDER_SNAPSHOT', [UNTOUCHED]);
  const frame = await events.next('orderSnapshot', of(requestId));
  assert.deepEqual(envelope(frame, requestId, 'SUBSCRIPTION_TYPE_ORDER_SNAPSHOT', 'orderSubscriptionSnapshot'),
    { orders: [], eof: true });
}

const withoutTime = ({ transactTime, ...rest }) => {
  assert.equal(typeof transactTime, 'string');
  return rest;
};

async function usdBalance(c) {
  const { balances } = await c.account.balances();
  return balances.find((b) => b.currency === 'USD');
}

test('subscribeOrders -> orderUpdate for each execution of the caller\'s orders', async () => {
  await withStream(trader, 'private', async (ws, events) => {
    ws.subscribeOrders('orders', [ORDERS]);
    await barrier(ws, events);
    const { id } = await create(trader, limitBody(ORDERS, 'ORDER_INTENT_BUY_LONG', '0.30', 2));
    let frame = await events.next('orderUpdate');
    let execution = envelope(frame, 'orders', 'SUBSCRIPTION_TYPE_ORDER', 'orderSubscriptionUpdate').execution;
    assert.equal(execution.order.id, id);
    assert.equal(execution.type, 'EXECUTION_TYPE_NEW');
    assert.equal(execution.order.state, 'ORDER_STATE_NEW');

    // The maker takes the resting bid.
    await create(maker, limitBody(ORDERS, 'ORDER_INTENT_BUY_SHORT', '0.30', 2, IOC));
    frame = await events.next('orderUpdate');
    execution = envelope(frame, 'orders', 'SUBSCRIPTION_TYPE_ORDER', 'orderSubscriptionUpdate').execution;
    assert.equal(execution.order.id, id);
    assert.equal(execution.type, 'EXECUTION_TYPE_FILL');
    eqNum(execution.lastShares, 2, 'lastShares');
    assertAmount(execution.lastPx, '0.30');
    assert.equal(typeof execution.tradeId, 'string');
    assert.deepEqual(execution.order, await getOrder(trader, id));
  });
});

test('subscribe(rid, SUBSCRIPTION_TYPE_ORDER_SNAPSHOT) -> orderSnapshot with the open orders and eof', async () => {
  const a = (await create(trader, limitBody(ORDERS, 'ORDER_INTENT_BUY_LONG', '0.21', 1))).id;
  const b = (await create(trader, limitBody(ORDERS, 'ORDER_INTENT_BUY_LONG', '0.22', 2))).id;
  const { orders: listed } = await trader.orders.list({ slugs: [ORDERS] });
  await withStream(trader, 'private', async (ws, events) => {
    ws.subscribe('snap', 'SUBSCRIPTION_TYPE_ORDER_SNAPSHOT', [ORDERS]);
    const frame = await events.next('orderSnapshot');
    const snapshot = envelope(frame, 'snap', 'SUBSCRIPTION_TYPE_ORDER_SNAPSHOT', 'orderSubscriptionSnapshot');
    assert.equal(snapshot.eof, true);
    const byId = (orders) => [...orders].sort((x, y) => x.id.localeCompare(y.id));
    assert.deepEqual(snapshot.orders.map((o) => o.id).sort(), [a, b].sort());
    assert.deepEqual(byId(snapshot.orders), byId(listed));
    assert.equal(events.seen.error.length, 0);
  });
  await trader.orders.cancelAll({ slugs: [ORDERS] });
});

test('subscribePositions and subscribeAccountBalance: frames on message, accountBalanceSnapshot event', async () => {
  await withStream(trader, 'private', async (ws, events) => {
    ws.subscribePositions('pos', [POS]);
    ws.subscribeAccountBalance('bal');
    const snapshotEvent = await events.next('accountBalanceSnapshot');
    const snapshotFrame = await events.next('message', has('accountBalancesSnapshot', 'bal'));
    assert.equal(snapshotEvent, snapshotFrame);
    const before = await usdBalance(trader);
    assert.deepEqual(
      envelope(snapshotFrame, 'bal', 'SUBSCRIPTION_TYPE_ACCOUNT_BALANCE', 'accountBalancesSnapshot').balances, [before],
    );

    await buildLong(POS, 3, '0.50');
    const position = await events.next('message', has('positionSubscription', 'pos'));
    const change = envelope(position, 'pos', 'SUBSCRIPTION_TYPE_POSITION', 'positionSubscription');
    assert.equal(change.beforePosition, null);
    eqNum(change.afterPosition.netPositionDecimal, 3, 'netPositionDecimal');
    assert.equal(change.afterPosition.marketMetadata.slug, POS);
    assert.equal(change.entryType, 'LEDGER_ENTRY_TYPE_ORDER_EXECUTION');
    assert.equal(typeof change.tradeId, 'string');
    const { positions } = await trader.portfolio.positions({ market: POS });
    assert.deepEqual(change.afterPosition, positions[POS]);

    const update = await events.next('message', has('accountBalancesUpdate', 'bal'));
    const { balanceChange } = envelope(update, 'bal', 'SUBSCRIPTION_TYPE_ACCOUNT_BALANCE', 'accountBalancesUpdate');
    assert.deepEqual(balanceChange.beforeBalance, before);
    assert.deepEqual(balanceChange.afterBalance, await usdBalance(trader));
    assert.equal(balanceChange.entryType, 'LEDGER_ENTRY_TYPE_ORDER_EXECUTION');
    assert.ok(balanceChange.afterBalance.currentBalance < before.currentBalance);
    // What 0.1.1 does with them: no event but `message`.
    assert.equal(events.seen.positionUpdate.length, 0);
    assert.equal(events.seen.accountBalanceUpdate.length, 0);
  });
});

test('subscribeMarketData / subscribeMarketDataLite / subscribeTrades -> marketData, marketDataLite, trade', async () => {
  await withStream(maker, 'markets', async (ws, events) => {
    ws.subscribeMarketData('md', [MD]);
    ws.subscribeMarketDataLite('lite', [MD]);
    ws.subscribeTrades('trades', [MD]);
    let data = envelope(await events.next('marketData'), 'md', 'SUBSCRIPTION_TYPE_MARKET_DATA', 'marketData');
    assert.equal(data.marketSlug, MD);
    assert.deepEqual(withoutTime(data), withoutTime((await maker.markets.book(MD)).marketData));
    let lite = envelope(await events.next('marketDataLite'), 'lite', 'SUBSCRIPTION_TYPE_MARKET_DATA_LITE', 'marketDataLite');
    assert.deepEqual(lite, (await maker.markets.bbo(MD)).marketData);

    await offer(maker, MD, '0.55', 3);
    data = envelope(await events.next('marketData'), 'md', 'SUBSCRIPTION_TYPE_MARKET_DATA', 'marketData');
    assert.deepEqual(data.offers.map((l) => [Number(l.px.value), Number(l.qty)]), [[0.55, 3]]);
    lite = envelope(await events.next('marketDataLite'), 'lite', 'SUBSCRIPTION_TYPE_MARKET_DATA_LITE', 'marketDataLite');
    assertAmount(lite.bestAsk, '0.55');
    assert.equal(lite.askDepth, 1);

    // The trader takes 2 of the 3.
    const { id } = await create(trader, limitBody(MD, 'ORDER_INTENT_BUY_LONG', '0.55', 2, IOC));
    const trade = envelope(await events.next('trade'), 'trades', 'SUBSCRIPTION_TYPE_TRADE', 'trade');
    assert.equal(trade.marketSlug, MD);
    assertAmount(trade.price, '0.55');
    assert.deepEqual(trade.quantity, { value: '2', currency: 'USD' });
    assert.equal(typeof trade.tradeTime, 'string');
    assert.deepEqual(trade.taker, { side: 'ORDER_SIDE_BUY', intent: 'ORDER_INTENT_BUY_LONG' });
    assert.deepEqual(trade.maker, { side: 'ORDER_SIDE_SELL', intent: 'ORDER_INTENT_BUY_SHORT' });
    data = envelope(await events.next('marketData'), 'md', 'SUBSCRIPTION_TYPE_MARKET_DATA', 'marketData');
    assert.deepEqual(data.offers.map((l) => Number(l.qty)), [1]);
    assertAmount(data.stats.lastTradePx, '0.55');
    lite = envelope(await events.next('marketDataLite'), 'lite', 'SUBSCRIPTION_TYPE_MARKET_DATA_LITE', 'marketDataLite');
    assertAmount(lite.lastTradePx, '0.55');
    assert.equal((await getOrder(trader, id)).state, 'ORDER_STATE_FILLED');

    // Unsubscribed: no more frames of those.
    ws.unsubscribe('md');
    ws.unsubscribe('trades');
    ws.subscribeMarketData('later', [UNTOUCHED]);
    await events.next('marketData', of('later'));
    await bid(maker, MD, '0.40', 1);
    await events.next('marketDataLite', (f) => f.marketDataLite.bidDepth === 1);
    await events.none('marketData', of('md'));
    assert.equal(events.seen.trade.length, 1);
  });
});

test('a bad slug, an RFQ subscription: error events with the requestId; the connection stays', async () => {
  await withStream(trader, 'markets', async (ws, events) => {
    ws.subscribeMarketData('bad', ['no-such-market']);
    const error = await events.next('error');
    assert.ok(error instanceof WebSocketError);
    assert.equal(error.requestId, 'bad');
    assert.match(error.message, /no-such-market/);
    ws.subscribeMarketDataLite('good', [MD]);
    envelope(await events.next('marketDataLite'), 'good', 'SUBSCRIPTION_TYPE_MARKET_DATA_LITE', 'marketDataLite');
  });
  await withStream(trader, 'private', async (ws, events) => {
    ws.subscribeOrders('bad', ['no-such-market']);
    let error = await events.next('error');
    assert.equal(error.requestId, 'bad');
    assert.match(error.message, /no-such-market/);
    ws.subscribe('rfq', 'SUBSCRIPTION_TYPE_RFQ');
    error = await events.next('error');
    assert.equal(error.requestId, 'rfq');
    assert.match(error.message, /RFQ/);
    await barrier(ws, events);
  });
});

test('heartbeat events on both streams; message sees the frame', async () => {
  await withStream(trader, 'private', async (privateWs, privateEvents) => {
    await withStream(trader, 'markets', async (marketsWs, marketsEvents) => {
      for (const events of [privateEvents, marketsEvents]) {
        await events.next('heartbeat');
        await events.next('heartbeat');
        assert.ok(events.seen.message.some((m) => JSON.stringify(m) === '{"heartbeat":{}}'));
      }
    });
  });
});

test('a bad handshake is refused: connect() rejects and no open event', async () => {
  const secret = () => randomBytes(32).toString('base64');
  for (const c of [client(randomUUID(), secret()), client(process.env.PMX_MAKER_KEY_ID, secret())]) {
    for (const kind of ['private', 'markets']) {
      const ws = open(c, kind);
      const events = new Events(ws, kind);
      await assert.rejects(ws.connect(), PolymarketUSError);
      assert.equal(events.seen.open.length, 0);
      await events.next('close');
    }
  }
});

test('close() ends the connection: close event, isConnected false, send refused', async () => {
  const ws = open(trader, 'markets');
  const events = new Events(ws, 'markets');
  await ws.connect();
  ws.subscribeMarketData('md', [MD]);
  await events.next('marketData');
  ws.close();
  assert.equal(ws.isConnected, false);
  await events.next('close');
  assert.throws(() => ws.subscribeMarketData('again', [MD]), /not connected/);
  assert.equal(events.seen.error.length, 0);
});
