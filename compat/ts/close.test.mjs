// closePosition through the TypeScript SDK 0.1.1, plus positions and activities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from 'polymarket-us';
import {
  SYNC, amt, assertAmount, bid, buildLong, buildShort, checkExecutions, eqNum, fills, getOrder,
  net, offer, maker, trader, waitTerminal,
} from './helpers.mjs';

test('close a long synchronously: SELL_LONG market IOC, executions in order, then flat', async () => {
  const slug = 'ts-close-long';
  await buildLong(slug, 10, '0.60');
  await bid(maker, slug, '0.55', 6);
  await bid(maker, slug, '0.54', 10);
  const reply = await trader.orders.closePosition({ marketSlug: slug, ...SYNC });
  const execs = checkExecutions(reply);
  assert.deepEqual(execs.map((e) => e.type), ['EXECUTION_TYPE_NEW', 'EXECUTION_TYPE_PARTIAL_FILL', 'EXECUTION_TYPE_FILL']);
  assert.deepEqual(fills(execs), [[6, 0.55], [4, 0.54]]);
  const o = execs.at(-1).order;
  assert.equal(o.state, 'ORDER_STATE_FILLED');
  assert.equal(o.intent, 'ORDER_INTENT_SELL_LONG');
  assert.equal(o.side, 'ORDER_SIDE_SELL');
  assert.equal(o.type, 'ORDER_TYPE_MARKET');
  assert.equal(await net(trader, slug), 0);
});

test('close a short asynchronously: the id, then GET shows a FILLED SELL_SHORT (side BUY)', async () => {
  const slug = 'ts-close-short';
  await buildShort(slug, 10, '0.40');
  await offer(maker, slug, '0.45', 20);
  const reply = await trader.orders.closePosition({ marketSlug: slug });
  assert.equal(typeof reply.id, 'string');
  const o = await waitTerminal(trader, reply.id);
  assert.equal(o.state, 'ORDER_STATE_FILLED');
  assert.equal(o.intent, 'ORDER_INTENT_SELL_SHORT');
  assert.equal(o.side, 'ORDER_SIDE_BUY');
  eqNum(o.cumQuantity, 10, 'cumQuantity');
  assert.equal(await net(trader, slug), 0);
});

test('close with a slippage bound outside the book: REJECTED with NO_LIQUIDITY, HTTP 200', async () => {
  const slug = 'ts-slip';
  await buildShort(slug, 5, '0.40');
  await offer(maker, slug, '0.50', 10);
  // Short: bound = 0.40 + 3 ticks = 0.43 < best offer 0.50.
  const reply = await trader.orders.closePosition({
    marketSlug: slug, slippageTolerance: { currentPrice: amt('0.40'), ticks: 3 }, ...SYNC,
  });
  const last = checkExecutions(reply).at(-1);
  assert.equal(last.type, 'EXECUTION_TYPE_REJECTED');
  assert.equal(last.orderRejectReason, 'ORD_REJECT_REASON_NO_LIQUIDITY');
  assert.equal((await getOrder(trader, reply.id)).state, 'ORDER_STATE_REJECTED');
  assert.equal(await net(trader, slug), -5);
});

test('close without a position is a BadRequestError (400)', async () => {
  await assert.rejects(trader.orders.closePosition({ marketSlug: 'ts-untouched', ...SYNC }), (err) => {
    assert.ok(err instanceof BadRequestError, `got ${err}`);
    assert.equal(err.status, 400);
    return true;
  });
});

test('positions: object keyed by slug, market filter, limit/cursor paging to eof', async () => {
  await buildLong('ts-pos', 2, '0.50');
  const all = await trader.portfolio.positions();
  assert.equal(typeof all.positions, 'object');
  assert.ok('ts-pos' in all.positions);
  eqNum(all.positions['ts-pos'].netPositionDecimal, 2, 'netPositionDecimal');
  assert.equal(typeof all.positions['ts-pos'].netPositionDecimal, 'string');
  assert.equal(all.eof, true);

  const one = await trader.portfolio.positions({ market: 'ts-pos' });
  assert.deepEqual(Object.keys(one.positions), ['ts-pos']);

  const seen = [];
  let params = { limit: 1 };
  for (let i = 0; ; i++) {
    assert.ok(i <= Object.keys(all.positions).length + 1, 'no eof');
    const page = await trader.portfolio.positions(params);
    assert.ok(Object.keys(page.positions).length <= 1);
    seen.push(...Object.keys(page.positions));
    if (page.eof === true) break;
    assert.equal(typeof page.nextCursor, 'string');
    params = { limit: 1, cursor: page.nextCursor };
  }
  assert.deepEqual([...seen].sort(), Object.keys(all.positions).sort());
});

test('activities: types, marketSlug, sortOrder, limit/cursor', async () => {
  const slug = 'ts-act';
  for (const p of ['0.31', '0.32']) await offer(maker, slug, p, 1);
  for (const p of ['0.31', '0.32']) {
    const r = await trader.orders.create({
      marketSlug: slug, type: 'ORDER_TYPE_LIMIT', intent: 'ORDER_INTENT_BUY_LONG',
      price: amt(p), quantity: 1, tif: 'TIME_IN_FORCE_IMMEDIATE_OR_CANCEL',
    });
    assert.equal((await waitTerminal(trader, r.id)).state, 'ORDER_STATE_FILLED');
  }
  const base = { marketSlug: slug, types: ['ACTIVITY_TYPE_TRADE'] };
  const asc = (await trader.portfolio.activities({ ...base, sortOrder: 'SORT_ORDER_ASCENDING' })).activities;
  assert.deepEqual(asc.map((a) => Number(a.trade.price.value)), [0.31, 0.32]);
  assert.ok(asc.every((a) => a.type === 'ACTIVITY_TYPE_TRADE' && a.trade.marketSlug === slug));
  assertAmount(asc[0].trade.price);
  const desc = (await trader.portfolio.activities({ ...base, sortOrder: 'SORT_ORDER_DESCENDING' })).activities;
  assert.deepEqual(desc.map((a) => Number(a.trade.price.value)), [0.32, 0.31]);

  const p1 = await trader.portfolio.activities({ ...base, sortOrder: 'SORT_ORDER_ASCENDING', limit: 1 });
  assert.equal(p1.activities.length, 1);
  assert.notEqual(p1.eof, true);
  const p2 = await trader.portfolio.activities({ ...base, sortOrder: 'SORT_ORDER_ASCENDING', limit: 1, cursor: p1.nextCursor });
  assert.deepEqual(p2.activities.map((a) => Number(a.trade.price.value)), [0.32]);
});
