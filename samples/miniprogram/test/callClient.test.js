'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createCallClient } = require('../lib/callClient.js');
const { ApiError } = require('../lib/http.js');
const { fakeWx, fakeTimers, fixedTokens } = require('../testing/fakes.js');

function client(respond, timers = fakeTimers(), tokens = fixedTokens('v1.bob.sig')) {
  const wx = fakeWx(respond);
  return { wx, timers, tokens, client: createCallClient({ wx, apiBaseUrl: 'https://call.example.com/', tokens, timers }) };
}

test('party actions POST to /v1/calls/{id}/{action} with the user token and no body', async () => {
  const { wx, client: c } = client(() => ({ statusCode: 200, data: { callId: 'c1', state: 'accepted' } }));

  for (const action of ['accept', 'reject', 'cancel', 'hangup']) await c[action]('c1');

  assert.deepEqual(wx.requests.map(r => [r.method, r.url]), [
    ['POST', 'https://call.example.com/v1/calls/c1/accept'],
    ['POST', 'https://call.example.com/v1/calls/c1/reject'],
    ['POST', 'https://call.example.com/v1/calls/c1/cancel'],
    ['POST', 'https://call.example.com/v1/calls/c1/hangup'],
  ]);
  for (const r of wx.requests) {
    assert.equal(r.header.Authorization, 'Bearer v1.bob.sig');
    assert.equal(r.data, undefined);
  }
});

test('status reports POST {"events":[…]} as JSON and return the action', async () => {
  const { wx, client: c } = client(() => ({ statusCode: 202, data: { action: 'hangup', call: { state: 'ended' } } }));

  const answer = await c.reportEvents('c1', [{ component: 'player', code: -2301 }]);

  assert.equal(answer.action, 'hangup');
  assert.equal(wx.requests[0].url, 'https://call.example.com/v1/calls/c1/events');
  assert.equal(wx.requests[0].header['content-type'], 'application/json');
  assert.deepEqual(wx.requests[0].data, { events: [{ component: 'player', code: -2301 }] });
});

test('createCall sends the Idempotency-Key, the same on the retry after a lost answer', async () => {
  let n = 0;
  const { wx, timers, client: c } = client(() => (++n === 1 ? 'fail' : { statusCode: 201, data: { callId: 'c9', state: 'ringing' } }));

  const created = c.createCall({ callee: { userId: 'bob' }, scenario: 'general', ring: true }, 'key-1');
  await timers.advance(500);
  const call = await created;

  assert.equal(call.callId, 'c9');
  assert.equal(wx.requests.length, 2);
  for (const r of wx.requests) {
    assert.equal(r.url, 'https://call.example.com/v1/calls');
    assert.equal(r.header['Idempotency-Key'], 'key-1');
    assert.deepEqual(r.data, { callee: { userId: 'bob' }, scenario: 'general', ring: true });
  }
});

test('an action without an answer is retried at most 3 times; an HTTP error is not retried', async () => {
  const offline = client(() => 'fail');
  const pending = assert.rejects(offline.client.hangup('c1'), /request:fail/);
  await offline.timers.advance(500 + 1000);
  await pending;
  assert.equal(offline.wx.requests.length, 3);

  const ended = client(() => ({ statusCode: 409, data: { status: 409, title: 'Conflict', rule: 'call_ended' } }));
  await assert.rejects(ended.client.accept('c1'), e => e instanceof ApiError && e.status === 409 && e.rule === 'call_ended');
  assert.equal(ended.wx.requests.length, 1);
});

test('a 401 drops the cached token', async () => {
  const { tokens, client: c } = client(() => ({ statusCode: 401, data: { status: 401 } }));
  await assert.rejects(c.getCall('c1'), e => e.status === 401);
  assert.equal(tokens.invalidated, 1);
});
