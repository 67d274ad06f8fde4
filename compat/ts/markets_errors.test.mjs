// Markets (public, no credentials) and the error classes of the TypeScript SDK 0.1.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomBytes } from 'node:crypto';
import { AuthenticationError, BadRequestError, NotFoundError } from 'polymarket-us';
import {
  assertAmount, bid, client, creds, eqNum, limitBody, maker, offer, publicClient, trader,
} from './helpers.mjs';

const BOOK = 'ts-book';

test('markets.list, retrieveBySlug and retrieve(id) without credentials', async () => {
  const { markets } = await publicClient.markets.list();
  const m = markets.find((x) => x.slug === BOOK);
  assert.ok(m, 'ts-book not listed');
  assert.equal(typeof m.id, 'string');
  assert.equal(typeof m.orderPriceMinTickSize, 'number');
  eqNum(m.orderPriceMinTickSize, 0.01, 'orderPriceMinTickSize');
  const bySlug = (await publicClient.markets.retrieveBySlug(BOOK)).market;
  assert.equal(bySlug.slug, BOOK);
  const byId = (await publicClient.markets.retrieve(Number(bySlug.id))).market;
  assert.equal(byId.slug, BOOK);
  const picked = (await publicClient.markets.list({ slug: [BOOK, 'ts-rest'] })).markets;
  assert.deepEqual(picked.map((x) => x.slug).sort(), [BOOK, 'ts-rest'].sort());
});

test('book and bbo (wrapped in marketData)', async () => {
  await bid(maker, BOOK, '0.45', 3);
  await bid(maker, BOOK, '0.44', 1);
  await offer(maker, BOOK, '0.55', 2);
  const { marketData } = await publicClient.markets.book(BOOK);
  assert.equal(marketData.marketSlug, BOOK);
  assert.deepEqual(marketData.bids.map((l) => [Number(l.px.value), Number(l.qty)]), [[0.45, 3], [0.44, 1]]);
  assert.deepEqual(marketData.offers.map((l) => [Number(l.px.value), Number(l.qty)]), [[0.55, 2]]);
  assert.equal(typeof marketData.bids[0].qty, 'string');
  const lite = (await publicClient.markets.bbo(BOOK)).marketData;
  assertAmount(lite.bestBid, '0.45');
  assertAmount(lite.bestAsk, '0.55');
  assert.equal(lite.bidDepth, 2);
  assert.equal(lite.askDepth, 1);
});

test('settlement of an unsettled market is NotFoundError (404)', async () => {
  await assert.rejects(publicClient.markets.settlement(BOOK), (err) => err instanceof NotFoundError && err.status === 404);
});

test('unknown market slug is NotFoundError (404)', async () => {
  await assert.rejects(publicClient.markets.retrieveBySlug('no-such-market'), NotFoundError);
});

test('unknown order id is NotFoundError (404)', async () => {
  await assert.rejects(trader.orders.retrieve('no-such-order'), NotFoundError);
});

test('malformed order is BadRequestError (400)', async () => {
  await assert.rejects(
    trader.orders.create(limitBody('ts-rest', 'ORDER_INTENT_BUY_LONG', '0.30', 'lots')),
    (err) => err instanceof BadRequestError && err.status === 400 && err.message.length > 0,
  );
});

test('forged signature (wrong secret) is AuthenticationError (401)', async () => {
  const forged = client(creds.trader.keyId, randomBytes(32).toString('base64'));
  await assert.rejects(forged.account.balances(), (err) => err instanceof AuthenticationError && err.status === 401);
});

test('unknown key id is AuthenticationError (401)', async () => {
  const stranger = client(randomUUID(), creds.trader.secretKey);
  await assert.rejects(stranger.portfolio.positions(), AuthenticationError);
});

test('halted market: order accepted with an id, then REJECTED (EXCHANGE_CLOSED)', async () => {
  const reply = await trader.orders.create(
    limitBody('halted', 'ORDER_INTENT_BUY_LONG', '0.30', 1, undefined, { synchronousExecution: true, maxBlockTime: '2' }),
  );
  assert.equal(typeof reply.id, 'string');
  const last = reply.executions.at(-1);
  assert.equal(last.type, 'EXECUTION_TYPE_REJECTED');
  assert.equal(last.orderRejectReason, 'ORD_REJECT_REASON_EXCHANGE_CLOSED');
});
