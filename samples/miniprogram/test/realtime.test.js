'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createRealtime } = require('../lib/realtime.js');
const { fakeWx, fakeTimers, fixedTokens, settle } = require('../testing/fakes.js');

function setup(options = {}) {
  const wx = fakeWx();
  const timers = fakeTimers();
  const events = [];
  const statuses = [];
  const realtime = createRealtime(Object.assign({
    wx, wsBaseUrl: 'wss://call.example.com', tokens: fixedTokens('v1.bob+/=.sig'), timers, random: () => 1,
    onEvent: e => events.push(e), onStatus: s => statuses.push(s),
  }, options));
  return { wx, timers, events, statuses, realtime };
}

const event = (seq, type = 'call.peer_warning', callId = 'c1') => ({ seq, type, callId, at: '2026-12-01T12:00:00Z', data: {} });

test('connects to /v1/ws with the token in the query and sends no resume on the first socket', async () => {
  const { wx, realtime, statuses } = setup();
  realtime.start();
  await settle();

  assert.equal(wx.sockets.length, 1);
  assert.equal(wx.sockets[0].url, 'wss://call.example.com/v1/ws?token=v1.bob%2B%2F%3D.sig');
  wx.sockets[0].serverOpen();
  assert.deepEqual(wx.sockets[0].sent, []);
  assert.deepEqual(statuses, ['connecting', 'online']);
});

test('after a reconnect sends resume with the last seq processed and drops replayed repeats', async () => {
  const { wx, timers, realtime, events } = setup();
  realtime.start();
  await settle();
  const first = wx.sockets[0];
  first.serverOpen();
  [41, 42, 43].forEach(seq => first.serverSend(event(seq)));
  first.serverSend({ type: 'pong' });
  first.serverClose();

  await timers.advance(1000);
  assert.equal(wx.sockets.length, 2);
  const second = wx.sockets[1];
  second.serverOpen();
  assert.deepEqual(second.sent, [{ type: 'resume', afterSeq: 43 }]);

  // Live 46 arrives before the replay of 44..45; 43 is replayed again: processed once each.
  [46, 43, 44, 45, 46].forEach(seq => second.serverSend(event(seq)));
  assert.deepEqual(events.map(e => e.seq), [41, 42, 43, 46, 44, 45]);
  assert.equal(realtime.lastSeq, 46);
});

test('a gap is asked for again: resume starts below the first missing seq', async () => {
  const { wx, timers, realtime } = setup();
  realtime.start();
  await settle();
  wx.sockets[0].serverOpen();
  [10, 11, 13].forEach(seq => wx.sockets[0].serverSend(event(seq)));
  wx.sockets[0].serverClose();
  await timers.advance(1000);
  wx.sockets[1].serverOpen();
  assert.deepEqual(wx.sockets[1].sent, [{ type: 'resume', afterSeq: 11 }]);
});

test('reconnect delays double up to the ceiling, and it gives up after maxAttempts failures in a row', async () => {
  const { wx, timers, realtime, statuses } = setup({ initialDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 4 });
  realtime.start();
  await settle();
  wx.sockets[0].serverClose();

  const delays = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    const sockets = wx.sockets.length;
    let waited = 0;
    while (wx.sockets.length === sockets && waited < 60000) { await timers.advance(250); waited += 250; }
    delays.push(waited);
    wx.sockets[wx.sockets.length - 1].serverClose(); // this attempt fails too
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 4000]);
  assert.equal(statuses[statuses.length - 1], 'offline');
  await timers.advance(60000);
  assert.equal(wx.sockets.length, 5, 'no attempt after giving up');

  realtime.start(); // the page's "retry" button
  await settle();
  assert.equal(wx.sockets.length, 6);
});

test('an open socket resets the failure count; onError + onClose of one socket reconnect once', async () => {
  const { wx, timers, realtime } = setup({ initialDelayMs: 1000, maxAttempts: 2 });
  realtime.start();
  await settle();
  for (let round = 0; round < 5; round++) {
    const socket = wx.sockets[wx.sockets.length - 1];
    socket.serverOpen();
    socket.serverClose(); // fires onError and onClose
    await timers.advance(1000);
  }
  assert.equal(wx.sockets.length, 6);
});

test('pings every 25 s while open; stop closes the socket and cancels every timer', async () => {
  const { wx, timers, realtime } = setup();
  realtime.start();
  await settle();
  wx.sockets[0].serverOpen();
  await timers.advance(50000);
  assert.deepEqual(wx.sockets[0].sent, [{ type: 'ping' }, { type: 'ping' }]);

  realtime.stop();
  assert.equal(wx.sockets[0].closed.code, 1000);
  assert.equal(timers.count, 0);
  wx.sockets[0].serverClose();
  await timers.advance(60000);
  assert.equal(wx.sockets.length, 1, 'no reconnect after stop');
});
