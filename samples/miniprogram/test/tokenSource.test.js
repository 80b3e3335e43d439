'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createTokenSource } = require('../lib/tokenSource.js');
const { fakeWx, fakeTimers } = require('../testing/fakes.js');

function backend(timers, ttlMs = 3600000) {
  let issued = 0;
  return req => {
    issued++;
    return { statusCode: 200, data: { token: 'v1.t' + issued + '.sig', expiresAt: new Date(timers.now() + ttlMs).toISOString() } };
  };
}

test('fetches the token from your backend with its session header, never with an API key', async () => {
  const timers = fakeTimers();
  const wx = fakeWx(backend(timers));
  const tokens = createTokenSource({ wx, tokenUrl: 'https://backend.example.com/call-token', backendHeader: () => ({ Authorization: 'Session s1' }), timers });

  assert.equal(await tokens.get(), 'v1.t1.sig');

  assert.equal(wx.requests.length, 1);
  assert.equal(wx.requests[0].url, 'https://backend.example.com/call-token');
  assert.equal(wx.requests[0].method, 'POST');
  assert.equal(wx.requests[0].header.Authorization, 'Session s1');
});

test('keeps the token until shortly before it expires, then fetches a new one', async () => {
  const timers = fakeTimers();
  const wx = fakeWx(backend(timers, 10 * 60000));
  const tokens = createTokenSource({ wx, tokenUrl: 'https://b/t', timers, refreshMarginMs: 60000 });

  assert.equal(await tokens.get(), 'v1.t1.sig');
  await timers.advance(8 * 60000);
  assert.equal(await tokens.get(), 'v1.t1.sig');
  await timers.advance(61000); // 9 min 1 s: inside the 1 min margin of the 10 min token
  assert.equal(await tokens.get(), 'v1.t2.sig');
  assert.equal(wx.requests.length, 2);
});

test('concurrent callers share one fetch; invalidate forces a new one', async () => {
  const timers = fakeTimers();
  const wx = fakeWx(backend(timers));
  const tokens = createTokenSource({ wx, tokenUrl: 'https://b/t', timers });

  const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
  assert.equal(a, b);
  assert.equal(wx.requests.length, 1);
  tokens.invalidate();
  assert.equal(await tokens.get(), 'v1.t2.sig');
});

test('a backend error or an answer without a token rejects', async () => {
  const timers = fakeTimers();
  const refused = createTokenSource({ wx: fakeWx(() => ({ statusCode: 403, data: { title: 'no session' } })), tokenUrl: 'https://b/t', timers });
  await assert.rejects(refused.get(), /HTTP 403/);
  const empty = createTokenSource({ wx: fakeWx(() => ({ statusCode: 200, data: {} })), tokenUrl: 'https://b/t', timers });
  await assert.rejects(empty.get(), /"token" and "expiresAt"/);
});
