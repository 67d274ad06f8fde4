// Helpers shared by the TypeScript compatibility tests. Everything goes through the unmodified
// official SDK (polymarket-us 0.1.1); only the base URLs point at the local server. compat/run
// exports PMX_URL and the maker's and trader's credentials.
import assert from 'node:assert/strict';
import { PolymarketUS } from 'polymarket-us';

export const URL = process.env.PMX_URL ?? 'http://127.0.0.1:8080';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the suite through compat/run`);
  return value;
}

export function client(keyId, secretKey) {
  return new PolymarketUS({ keyId, secretKey, gatewayBaseUrl: URL, apiBaseUrl: URL, timeout: 15000 });
}

export const maker = client(env('PMX_MAKER_KEY_ID'), env('PMX_MAKER_SECRET_KEY'));
export const trader = client(env('PMX_TRADER_KEY_ID'), env('PMX_TRADER_SECRET_KEY'));
export const publicClient = client();
export const creds = {
  trader: { keyId: env('PMX_TRADER_KEY_ID'), secretKey: env('PMX_TRADER_SECRET_KEY') },
};

export const GTC = 'TIME_IN_FORCE_GOOD_TILL_CANCEL';
export const IOC = 'TIME_IN_FORCE_IMMEDIATE_OR_CANCEL';
export const SYNC = { synchronousExecution: true, maxBlockTime: '2' };
const TERMINAL = new Set(['ORDER_STATE_FILLED', 'ORDER_STATE_CANCELED', 'ORDER_STATE_REJECTED', 'ORDER_STATE_EXPIRED']);

export const amt = (value) => ({ value, currency: 'USD' });

// Decimal strings and JSON numbers compared as numbers (test values have at most 4 decimals).
export function eqNum(actual, expected, what = 'value') {
  assert.ok(Math.abs(Number(actual) - Number(expected)) < 1e-9, `${what}: expected ${expected}, got ${JSON.stringify(actual)}`);
}

export function assertAmount(a, value) {
  assert.equal(typeof a, 'object', `not an Amount: ${JSON.stringify(a)}`);
  assert.equal(typeof a.value, 'string', `Amount.value not a string: ${JSON.stringify(a)}`);
  assert.equal(a.currency, 'USD');
  if (value !== undefined) eqNum(a.value, value, 'Amount');
}

export function limitBody(marketSlug, intent, price, quantity, tif = GTC, extra = {}) {
  return { marketSlug, type: 'ORDER_TYPE_LIMIT', intent, price: amt(price), quantity, tif, ...extra };
}

export async function create(c, body) {
  const reply = await c.orders.create(body);
  assert.equal(typeof reply.id, 'string', `no id in ${JSON.stringify(reply)}`);
  return reply;
}

export async function getOrder(c, id) {
  const reply = await c.orders.retrieve(id);
  assert.equal(typeof reply.order, 'object', `no order in ${JSON.stringify(reply)}`);
  return reply.order;
}

export async function waitTerminal(c, id, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await getOrder(c, id);
    if (TERMINAL.has(order.state)) return order;
    if (Date.now() > deadline) throw new Error(`order ${id} not terminal: ${JSON.stringify(order)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A GTC limit order that must rest (state NEW).
export async function rest(c, slug, intent, price, qty) {
  const { id } = await create(c, limitBody(slug, intent, price, qty));
  assert.equal((await getOrder(c, id)).state, 'ORDER_STATE_NEW');
  return id;
}
export const bid = (c, slug, price, qty) => rest(c, slug, 'ORDER_INTENT_BUY_LONG', price, qty);
export const offer = (c, slug, price, qty) => rest(c, slug, 'ORDER_INTENT_BUY_SHORT', price, qty);

export async function net(c, slug) {
  const { positions } = await c.portfolio.positions({ market: slug });
  assert.equal(typeof positions, 'object');
  return positions[slug] ? Number(positions[slug].netPositionDecimal) : 0;
}

async function take(slug, intent, price, qty) {
  const { id } = await create(trader, limitBody(slug, intent, price, qty, IOC));
  assert.equal((await waitTerminal(trader, id)).state, 'ORDER_STATE_FILLED');
}

// Trader long qty: the maker offers, the trader buys YES.
export async function buildLong(slug, qty, price) {
  await offer(maker, slug, price, qty);
  await take(slug, 'ORDER_INTENT_BUY_LONG', price, qty);
}

// Trader short qty: the maker bids, the trader buys NO.
export async function buildShort(slug, qty, price) {
  await bid(maker, slug, price, qty);
  await take(slug, 'ORDER_INTENT_BUY_SHORT', price, qty);
}

// Synchronous reply: executions of this order, in order, ending in a terminal state.
export function checkExecutions(reply) {
  const execs = reply.executions;
  assert.ok(Array.isArray(execs) && execs.length > 0, `no executions: ${JSON.stringify(reply)}`);
  let cum = 0;
  for (const e of execs) {
    assert.equal(e.order.id, reply.id);
    assert.ok(Number(e.order.cumQuantity ?? 0) >= cum, 'cumQuantity went backwards');
    cum = Number(e.order.cumQuantity ?? 0);
    if (e.type === 'EXECUTION_TYPE_PARTIAL_FILL' || e.type === 'EXECUTION_TYPE_FILL') {
      assert.equal(typeof e.lastShares, 'string');
      assertAmount(e.lastPx);
    }
  }
  assert.ok(TERMINAL.has(execs.at(-1).order.state), `not terminal: ${JSON.stringify(execs.at(-1))}`);
  return execs;
}

export const fills = (execs) =>
  execs
    .filter((e) => e.type === 'EXECUTION_TYPE_PARTIAL_FILL' || e.type === 'EXECUTION_TYPE_FILL')
    .map((e) => [Number(e.lastShares), Number(e.lastPx.value)]);
