'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createStatusReporter } = require('../lib/statusReporter.js');
const { createCallClient } = require('../lib/callClient.js');
const { fakeWx, fakeTimers, fixedTokens, settle } = require('../testing/fakes.js');

/** A reporter over the real client, so the assertions see the HTTP requests the service would get. */
function setup(respond = () => ({ statusCode: 202, data: { action: 'none', call: { state: 'accepted' } } }), options = {}) {
  const wx = fakeWx(respond);
  const timers = fakeTimers();
  const actions = [];
  const client = createCallClient({ wx, apiBaseUrl: 'https://call.example.com', tokens: fixedTokens(), timers });
  const reporter = createStatusReporter(Object.assign({ client, callId: 'c1', timers, onAction: a => actions.push(a) }, options));
  const reports = () => wx.requests.map(r => r.data.events);
  return { wx, timers, actions, reporter, reports };
}

test('codes raised within a second go out as one report, 1 s after the first', async () => {
  const { wx, timers, reporter, reports } = setup();
  reporter.report('pusher', 1001);
  await timers.advance(400);
  reporter.report('pusher', 1002);
  reporter.report('player', 2004);
  await timers.advance(599);
  assert.equal(wx.requests.length, 0);

  await timers.advance(1);
  assert.equal(wx.requests.length, 1);
  assert.equal(wx.requests[0].url, 'https://call.example.com/v1/calls/c1/events');
  assert.deepEqual(reports(), [[{ component: 'pusher', code: 1001 }, { component: 'pusher', code: 1002 }, { component: 'player', code: 2004 }]]);
});

test('ten codes are sent at once without waiting for the second', async () => {
  const { wx, reporter, reports } = setup();
  for (let i = 0; i < 12; i++) reporter.report('player', 2105);
  await settle();
  assert.equal(wx.requests.length, 1);
  assert.equal(reports()[0].length, 10);
  assert.equal(reporter.pending, 2);
});

test('a terminal code (and everything before it) is sent at once; binderror codes as component "error"', async () => {
  const { reporter, reports } = setup();
  reporter.report('pusher', 1101);
  reporter.report('error', 10001, 'camera denied');
  await settle();
  assert.deepEqual(reports(), [[{ component: 'pusher', code: 1101 }, { component: 'error', code: 10001, message: 'camera denied' }]]);
});

test('one report in flight at a time: codes raised meanwhile go in the next one, in order', async () => {
  let release;
  const gate = new Promise(resolve => { release = resolve; });
  const { wx, timers, reporter, reports } = setup();
  const answer = { statusCode: 202, data: { action: 'none' } };
  let held = true;
  wx.respond = () => answer;
  const request = wx.request;
  wx.request = options => {
    if (!held) return request(options);
    held = false;
    gate.then(() => request(options));
  };
  reporter.report('player', -2301); // sent at once, held
  await settle();
  reporter.report('player', 2105);
  reporter.report('player', 2106);
  await timers.advance(2000);
  assert.equal(wx.requests.length, 0, 'nothing else goes out while the first report waits');
  release();
  await settle();
  await timers.advance(1000);
  assert.deepEqual(reports(), [[{ component: 'player', code: -2301 }], [{ component: 'player', code: 2105 }, { component: 'player', code: 2106 }]]);
});

test('the answer action "hangup" is passed on; a 404 counts as hangup', async () => {
  const ended = setup(() => ({ statusCode: 202, data: { action: 'hangup', call: { state: 'ended', endReason: 'client_terminal_code' } } }));
  ended.reporter.report('player', 2006);
  await settle();
  assert.deepEqual(ended.actions, ['hangup']);

  const gone = setup(() => ({ statusCode: 404, data: { status: 404 } }));
  gone.reporter.report('player', 2006);
  await settle();
  assert.deepEqual(gone.actions, ['hangup']);
});

test('a report without an answer is sent again with the next batch, each code at most 3 times; a 400 is dropped', async () => {
  let calls = 0;
  const flaky = setup(() => (++calls <= 5 ? 'fail' : { statusCode: 202, data: { action: 'none' } }), { maxAttempts: 3 });
  flaky.reporter.report('pusher', 1002);
  await flaky.timers.advance(1000);
  flaky.reporter.report('player', 2004);
  await flaky.timers.advance(10000);
  // callClient does not retry reports itself, so every try is one request; each code goes out 3 times at most.
  assert.deepEqual(flaky.reports().map(batch => batch.map(e => e.code)), [[1002], [1002, 2004], [1002, 2004], [2004]]);
  assert.equal(flaky.reporter.pending, 0);

  const invalid = setup(() => ({ statusCode: 400, data: { status: 400 } }));
  invalid.reporter.report('player', 2004);
  await invalid.timers.advance(5000);
  assert.equal(invalid.wx.requests.length, 1);
  assert.equal(invalid.reporter.pending, 0);
});

test('stop drops the queue: nothing is sent after the call ended', async () => {
  const { wx, timers, reporter } = setup();
  reporter.report('pusher', 1101);
  reporter.stop();
  reporter.report('pusher', 1102);
  await timers.advance(5000);
  assert.equal(wx.requests.length, 0);
});
