'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createCallApp } = require('../lib/callApp.js');
const { fakeWx, fakeTimers, partyView, settle } = require('../testing/fakes.js');

const config = { apiBaseUrl: 'https://call.example.com', wsBaseUrl: 'wss://call.example.com', tokenUrl: 'https://backend.example.com/call-token' };

/** The callee bob's view after accepting (docs/api.md: party b publishes {callId}-b and plays {callId}-a). */
const bobView = partyView({
  userId: 'bob',
  pushUrl: 'rtmp://127.0.0.1:1935/live/c1-b?txSecret=pb&txTime=6A000000',
  playUrl: 'rtmp://127.0.0.1:1935/live/c1-a?txSecret=qa&txTime=6A000000',
  playFlvUrl: 'http://127.0.0.1:8080/live/c1-a.flv?txSecret=qa&txTime=6A000000',
});
const hidden = userId => partyView({ userId, pushUrl: null, playUrl: null, playFlvUrl: null });

function call(state, a, b, extra = {}) {
  return Object.assign({ callId: 'c1', state, scenario: 'customer_service', endReason: null, parties: { a, b } }, extra);
}

/** The mini-program with a fake service: `routes['POST /v1/calls/c1/accept'] = {statusCode, data}`. */
function setup(routes = {}) {
  const timers = fakeTimers();
  const wx = fakeWx(req => {
    if (req.url === config.tokenUrl) return { statusCode: 200, data: { token: 'v1.bob.sig', expiresAt: new Date(timers.now() + 3600000).toISOString() } };
    const key = req.method + ' ' + req.url.replace(config.apiBaseUrl, '');
    return routes[key] || { statusCode: 404, data: { status: 404 } };
  });
  const app = createCallApp({ wx, config, timers, random: () => 1 });
  const page = { data: {}, closed: [] };
  const open = callId => app.openSession(callId, {
    page, userId: 'bob',
    onChange: changes => Object.assign(page.data, changes),
    onClose: (reason, text) => page.closed.push([reason, text]),
  });
  const apiRequests = () => wx.requests.filter(r => r.url.startsWith(config.apiBaseUrl)).map(r => r.method + ' ' + r.url.replace(config.apiBaseUrl, ''));
  return { timers, wx, app, page, open, apiRequests };
}

async function online(env) {
  env.app.start();
  await settle();
  const socket = env.wx.sockets[0];
  socket.serverOpen();
  return socket;
}

const ev = (seq, type, data) => ({ seq, type, callId: 'c1', at: '2026-12-01T12:00:00Z', data });

test('an incoming call opens the call page, which shows the caller; accept binds pusher and player from the call', async () => {
  const env = setup({ 'POST /v1/calls/c1/accept': { statusCode: 200, data: call('accepted', hidden('alice'), bobView) } });
  const socket = await online(env);
  assert.equal(env.wx.sockets[0].url, 'wss://call.example.com/v1/ws?token=v1.bob.sig');

  socket.serverSend(ev(1, 'call.incoming', { callId: 'c1', caller: 'alice', scenario: 'customer_service', ringTimeoutSeconds: 30 }));
  await env.timers.advance(300);
  assert.deepEqual(env.wx.navigations, ['/pages/call/call?callId=c1']);

  const session = env.open('c1'); // the page's onLoad
  assert.equal(env.page.data.phase, 'incoming');
  assert.equal(env.page.data.caller, 'alice');

  await session.accept();
  assert.deepEqual(env.apiRequests(), ['POST /v1/calls/c1/accept']);
  assert.equal(env.page.data.phase, 'in_call');
  assert.deepEqual(env.page.data.pusher, {
    url: 'rtmp://127.0.0.1:1935/live/c1-b?txSecret=pb&txTime=6A000000', mode: 'RTC', minBitrate: 200, maxBitrate: 500, audioQuality: 'high',
  });
  assert.deepEqual(env.page.data.player, { src: 'rtmp://127.0.0.1:1935/live/c1-a?txSecret=qa&txTime=6A000000', mode: 'RTC', minCache: 0.2, maxCache: 0.8 });
  assert.deepEqual(env.wx.keepScreenOn, [true]);
});

test('call.accepted binds the view it carries; playFormat "flv" picks playFlvUrl', async () => {
  const env = setup();
  const socket = await online(env);
  socket.serverSend(ev(1, 'call.accepted', { role: 'b', userId: 'bob', peerUserId: 'alice', view: Object.assign({}, bobView, { playFormat: 'flv' }) }));
  await env.timers.advance(300);
  assert.deepEqual(env.wx.navigations, ['/pages/call/call?callId=c1'], 'a direct call opens the page too');
  env.open('c1');
  assert.equal(env.page.data.phase, 'in_call');
  assert.equal(env.page.data.peerUserId, 'alice');
  assert.equal(env.page.data.player.src, 'http://127.0.0.1:8080/live/c1-a.flv?txSecret=qa&txTime=6A000000');
});

test('reject declines the call and closes the page', async () => {
  const env = setup({ 'POST /v1/calls/c1/reject': { statusCode: 200, data: call('ended', hidden('alice'), hidden('bob'), { endReason: 'rejected' }) } });
  const socket = await online(env);
  socket.serverSend(ev(1, 'call.incoming', { callId: 'c1', caller: 'alice', scenario: 'general', ringTimeoutSeconds: 30 }));
  const session = env.open('c1');
  await session.reject();
  assert.deepEqual(env.apiRequests(), ['POST /v1/calls/c1/reject']);
  assert.deepEqual(env.page.closed, [['rejected', 'Call declined']]);
});

test('component codes are reported in batches; the answer "hangup" stops the components and closes the page', async () => {
  let answer = { action: 'none' };
  const env = setup({ 'GET /v1/calls/c1': { statusCode: 200, data: call('accepted', hidden('alice'), bobView) } });
  env.wx.respond = (original => req => (req.url.endsWith('/events') ? { statusCode: 202, data: answer } : original(req)))(env.wx.respond);
  const session = env.open('c1');
  await session.join();
  assert.equal(env.page.data.phase, 'in_call');

  session.onPusherStateChange({ detail: { code: 1002, message: 'push begin' } });
  session.onPlayerStateChange({ detail: { code: 2004 } });
  await env.timers.advance(1000);
  answer = { action: 'hangup', call: { state: 'ended', endReason: 'client_terminal_code' } };
  session.onPlayerStateChange({ detail: { code: -2301 } });
  await settle();

  const reports = env.wx.requests.filter(r => r.url.endsWith('/v1/calls/c1/events')).map(r => r.data);
  assert.deepEqual(reports, [
    { events: [{ component: 'pusher', code: 1002, message: 'push begin' }, { component: 'player', code: 2004 }] },
    { events: [{ component: 'player', code: -2301 }] },
  ]);
  assert.deepEqual(env.page.closed, [['client_terminal_code', 'Connection lost']]);
  assert.equal(env.wx.pusherStops, 1);
  assert.equal(env.wx.playerStops, 1);
  assert.deepEqual(env.wx.keepScreenOn, [true, false]);

  session.onPlayerStateChange({ detail: { code: 2105 } });
  await env.timers.advance(5000);
  assert.equal(reports.length, 2, 'nothing is reported after the page closed');
});

test('call.ended closes the page once, and later events of the call change nothing', async () => {
  const env = setup({ 'GET /v1/calls/c1': { statusCode: 200, data: call('accepted', hidden('alice'), bobView) } });
  const socket = await online(env);
  const session = env.open('c1');
  await session.join();
  socket.serverSend(ev(5, 'call.ended', { reason: 'hangup', endedBy: 'a', code: null }));
  socket.serverSend(ev(6, 'call.ended', { reason: 'media_lost', endedBy: 'system', code: null }));
  socket.serverSend(ev(7, 'call.recording', { state: 'started', reason: 'consent' }));
  assert.deepEqual(env.page.closed, [['hangup', 'Call ended']]);
  assert.equal(env.page.data.phase, 'ended');
  assert.equal(env.page.data.recording, false);
});

test('the recording indicator follows call.recording started/stopped with its reason', async () => {
  const env = setup({ 'GET /v1/calls/c1': { statusCode: 200, data: call('connected', hidden('alice'), bobView) } });
  const socket = await online(env);
  env.open('c1');
  socket.serverSend(ev(1, 'call.recording', { state: 'started', reason: 'consent' }));
  assert.equal(env.page.data.recording, true);
  assert.equal(env.page.data.recordingReason, 'consent');
  socket.serverSend(ev(2, 'call.recording', { state: 'stopped', reason: 'consent_withdrawn' }));
  assert.equal(env.page.data.recording, false);
  assert.equal(env.page.data.recordingReason, 'consent_withdrawn');
});

test('hang-up posts /hangup and closes the page; leaving a ringing call declines it', async () => {
  const env = setup({
    'GET /v1/calls/c1': { statusCode: 200, data: call('accepted', hidden('alice'), bobView) },
    'POST /v1/calls/c1/hangup': { statusCode: 200, data: call('ended', hidden('alice'), hidden('bob'), { endReason: 'hangup' }) },
  });
  const session = env.open('c1');
  await session.join();
  await session.hangup();
  assert.deepEqual(env.apiRequests(), ['GET /v1/calls/c1', 'POST /v1/calls/c1/hangup']);
  assert.deepEqual(env.page.closed, [['hangup', 'Call ended']]);

  const ringing = setup({
    'GET /v1/calls/c1': { statusCode: 200, data: call('ringing', hidden('alice'), hidden('bob')) },
    'POST /v1/calls/c1/reject': { statusCode: 200, data: call('ended', hidden('alice'), hidden('bob'), { endReason: 'rejected' }) },
  });
  const unanswered = ringing.open('c1');
  await unanswered.join();
  assert.equal(ringing.page.data.phase, 'incoming');
  unanswered.unload();
  await settle();
  assert.deepEqual(ringing.apiRequests(), ['GET /v1/calls/c1', 'POST /v1/calls/c1/reject']);
});

test('accepting a call that ended meanwhile (409 call_ended) closes the page', async () => {
  const env = setup({ 'POST /v1/calls/c1/accept': { statusCode: 409, data: { status: 409, title: 'Conflict', rule: 'call_ended' } } });
  const socket = await online(env);
  socket.serverSend(ev(1, 'call.incoming', { callId: 'c1', caller: 'alice', scenario: 'general', ringTimeoutSeconds: 30 }));
  const session = env.open('c1');
  await session.accept();
  assert.equal(env.page.closed.length, 1);
});

test('events of other calls are not shown on this page; the caller waits in "calling" and its Cancel posts /cancel', async () => {
  const caller = partyView();
  const env = setup({ 'GET /v1/calls/c1': { statusCode: 200, data: call('ringing', caller, hidden('bob')) } });
  const socket = await online(env);
  const session = env.open('c1');
  await session.join();
  assert.equal(env.page.data.phase, 'calling');
  assert.equal(env.page.data.peerUserId, 'bob');
  socket.serverSend({ seq: 1, type: 'call.ended', callId: 'other', at: '2026-12-01T12:00:00Z', data: { reason: 'hangup' } });
  assert.equal(env.page.closed.length, 0);
  assert.deepEqual(env.wx.navigations, []);
  assert.ok(session.state.phase === 'calling');

  env.wx.respond = (original => req => (req.url.endsWith('/cancel') ? { statusCode: 200, data: call('ended', caller, hidden('bob'), { endReason: 'cancelled' }) } : original(req)))(env.wx.respond);
  await session.hangup();
  assert.deepEqual(env.apiRequests(), ['GET /v1/calls/c1', 'POST /v1/calls/c1/cancel']);
  assert.deepEqual(env.page.closed, [['cancelled', 'Call cancelled']]);
});

test('a call the page starts itself is not opened twice when its call.accepted arrives before the page', async () => {
  const env = setup();
  const socket = await online(env);
  env.app.expectCall('c1'); // index page, after createCall, before navigateTo
  socket.serverSend(ev(1, 'call.accepted', { role: 'a', userId: 'alice', peerUserId: 'bob', view: partyView() }));
  await env.timers.advance(300);
  assert.deepEqual(env.wx.navigations, []);
  env.open('c1');
  assert.equal(env.page.data.phase, 'in_call');
  assert.equal(env.page.data.pusher.url, partyView().pushUrl);
});

test('a call that rang and ended while offline (replayed back to back after resume) does not open the call page', async () => {
  const env = setup();
  const socket = await online(env);
  socket.serverSend(ev(8, 'call.incoming', { callId: 'c1', caller: 'alice', scenario: 'general', ringTimeoutSeconds: 30 }));
  socket.serverSend(ev(9, 'call.ended', { reason: 'no_answer', endedBy: 'system', code: null }));
  await env.timers.advance(1000);
  assert.deepEqual(env.wx.navigations, []);

  // The next call of the same user rings as usual.
  socket.serverSend({ seq: 10, type: 'call.incoming', callId: 'c2', at: '2026-12-01T12:00:00Z', data: { callId: 'c2', caller: 'carol', scenario: 'general', ringTimeoutSeconds: 30 } });
  await env.timers.advance(300);
  assert.deepEqual(env.wx.navigations, ['/pages/call/call?callId=c2']);
});

test('a ringing page closes when the call is accepted on another device of the same user', async () => {
  const env = setup();
  const socket = await online(env);
  socket.serverSend(ev(1, 'call.incoming', { callId: 'c1', caller: 'alice', scenario: 'general', ringTimeoutSeconds: 30 }));
  env.open('c1');
  socket.serverSend(ev(2, 'call.accepted', { role: 'b', userId: 'bob', peerUserId: 'alice', view: bobView }));
  assert.deepEqual(env.page.closed, [['answered_elsewhere', 'Answered on another device']]);
  assert.ok(!env.page.data.pusher, 'this device never publishes');
  assert.deepEqual(env.apiRequests(), []);
});
