// Orders resource through the TypeScript SDK 0.1.1 (which has no batch methods): create
// (limit/market, intent and outcomeSide+action forms, quantity and cashOrderQty), list,
// retrieve, cancel, modify, cancelAll, preview. Resting orders use ts-rest / ts-rest2 at prices
// that never cross.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GTC, SYNC, amt, assertAmount, checkExecutions, create, eqNum, fills, getOrder, limitBody,
  maker, net, offer, trader, waitTerminal,
} from './helpers.mjs';

const REST = 'ts-rest';
const REST2 = 'ts-rest2';
const ids = async (params) => (await trader.orders.list(params)).orders.map((o) => o.id);

test('create limit (intent form) and retrieve: documented fields and enum strings', async () => {
  const { id } = await create(trader, limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.30', 5));
  const o = await getOrder(trader, id);
  assert.equal(o.id, id);
  assert.equal(o.marketSlug, REST);
  assert.equal(o.state, 'ORDER_STATE_NEW');
  assert.equal(o.type, 'ORDER_TYPE_LIMIT');
  assert.equal(o.intent, 'ORDER_INTENT_BUY_LONG');
  assert.equal(o.side, 'ORDER_SIDE_BUY');
  assert.equal(o.tif, GTC);
  assertAmount(o.price, '0.30');
  assert.equal(typeof o.quantity, 'number');
  assert.equal(o.quantity, 5);
  assert.equal(o.leavesQuantity, 5);
  await trader.orders.cancel(id, { marketSlug: REST });
});

test('create limit (outcomeSide + action form) is BUY_SHORT on the SELL side', async () => {
  const { id } = await create(trader, {
    marketSlug: REST, type: 'ORDER_TYPE_LIMIT', outcomeSide: 'OUTCOME_SIDE_NO',
    action: 'ORDER_ACTION_BUY', price: amt('0.70'), quantity: 4, tif: GTC,
  });
  const o = await getOrder(trader, id);
  assert.equal(o.intent, 'ORDER_INTENT_BUY_SHORT');
  assert.equal(o.side, 'ORDER_SIDE_SELL');
  assert.equal(o.state, 'ORDER_STATE_NEW');
  await trader.orders.cancel(id, { marketSlug: REST });
});

test('market orders: by quantity (sync), by cashOrderQty, outcomeSide+action form', async () => {
  const slug = 'ts-trade'; // 0.01-contract market
  await offer(maker, slug, '0.40', 5);
  await offer(maker, slug, '0.50', 100);

  const r1 = await create(trader, {
    marketSlug: slug, type: 'ORDER_TYPE_MARKET', intent: 'ORDER_INTENT_BUY_LONG', quantity: 6, ...SYNC,
  });
  const e1 = checkExecutions(r1);
  assert.deepEqual(e1.map((e) => e.type), ['EXECUTION_TYPE_NEW', 'EXECUTION_TYPE_PARTIAL_FILL', 'EXECUTION_TYPE_FILL']);
  assert.deepEqual(fills(e1), [[5, 0.4], [1, 0.5]]);
  assert.equal(e1.at(-1).order.state, 'ORDER_STATE_FILLED');
  assert.equal(e1.at(-1).order.type, 'ORDER_TYPE_MARKET');

  // $1.00 at 0.50 buys 2 contracts.
  const r2 = await create(trader, {
    marketSlug: slug, type: 'ORDER_TYPE_MARKET', outcomeSide: 'OUTCOME_SIDE_YES',
    action: 'ORDER_ACTION_BUY', cashOrderQty: amt('1.00'),
  });
  const o2 = await waitTerminal(trader, r2.id);
  eqNum(o2.cumQuantity, 2, 'cumQuantity');
  assert.equal(o2.intent, 'ORDER_INTENT_BUY_LONG');
  eqNum(await net(trader, slug), 8, 'net position');
});

test('list with and without slugs', async () => {
  const a = (await create(trader, limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.12', 1))).id;
  const b = (await create(trader, limitBody(REST2, 'ORDER_INTENT_BUY_LONG', '0.12', 1))).id;
  const all = await ids();
  assert.ok(all.includes(a) && all.includes(b));
  const only2 = (await trader.orders.list({ slugs: [REST2] })).orders;
  assert.ok(only2.every((o) => o.marketSlug === REST2));
  assert.ok(only2.some((o) => o.id === b));
  const both = await ids({ slugs: [REST, REST2] });
  assert.ok(both.includes(a) && both.includes(b));
  await trader.orders.cancel(a, { marketSlug: REST });
  await trader.orders.cancel(b, { marketSlug: REST2 });
});

test('cancel resolves (void) and the order is CANCELED', async () => {
  const { id } = await create(trader, limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.11', 3));
  assert.equal(await trader.orders.cancel(id, { marketSlug: REST }), undefined);
  const o = await getOrder(trader, id);
  assert.equal(o.state, 'ORDER_STATE_CANCELED');
  assert.ok(!(await ids({ slugs: [REST] })).includes(id));
});

test('modify keeps the id and shows the new price and quantity', async () => {
  const { id } = await create(trader, limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.13', 5));
  await trader.orders.modify(id, { marketSlug: REST, price: amt('0.14'), quantity: 8 });
  const o = await getOrder(trader, id);
  assert.equal(o.id, id);
  assert.equal(o.state, 'ORDER_STATE_NEW');
  assertAmount(o.price, '0.14');
  eqNum(o.quantity, 8, 'quantity');
  await trader.orders.cancel(id, { marketSlug: REST });
});

test('cancelAll with slugs, then without', async () => {
  const a = (await create(trader, limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.15', 1))).id;
  const b = (await create(trader, limitBody(REST2, 'ORDER_INTENT_BUY_LONG', '0.15', 1))).id;
  const r1 = await trader.orders.cancelAll({ slugs: [REST2] });
  assert.ok(r1.canceledOrderIds.includes(b) && !r1.canceledOrderIds.includes(a));
  assert.equal((await getOrder(trader, a)).state, 'ORDER_STATE_NEW');
  const r2 = await trader.orders.cancelAll();
  assert.ok(r2.canceledOrderIds.includes(a));
  assert.deepEqual((await trader.orders.list()).orders, []);
});

test('preview answers {order} and places nothing', async () => {
  const before = await ids({ slugs: [REST] });
  const { order } = await trader.orders.preview({ request: limitBody(REST, 'ORDER_INTENT_BUY_LONG', '0.16', 3) });
  assert.equal(order.marketSlug, REST);
  assert.equal(order.intent, 'ORDER_INTENT_BUY_LONG');
  assert.equal(order.side, 'ORDER_SIDE_BUY');
  assertAmount(order.price, '0.16');
  assert.deepEqual(await ids({ slugs: [REST] }), before);
});

test('balances: a list with numeric currentBalance and buyingPower', async () => {
  const { balances } = await trader.account.balances();
  assert.ok(Array.isArray(balances) && balances.length >= 1);
  const usd = balances.find((b) => b.currency === 'USD');
  assert.equal(typeof usd.currentBalance, 'number');
  assert.equal(typeof usd.buyingPower, 'number');
});
