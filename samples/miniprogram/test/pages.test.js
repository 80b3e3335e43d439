'use strict';

// The mini-program's own files (app.js, pages/*) run in a sandbox with App/Page/getApp/wx faked: their handlers
// exist for every WXML binding, and the call page goes back when the service answers "hangup".
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { fakeWx, settle, partyView } = require('../testing/fakes.js');

const root = path.join(__dirname, '..');

/** Runs a mini-program source file as the WeChat runtime would: globals App, Page, getApp, wx; CommonJS require. */
function load(file, globals) {
  const full = path.join(root, file);
  const context = vm.createContext(Object.assign({ require: createRequire(full), module: {}, console }, globals));
  vm.runInContext(fs.readFileSync(full, 'utf8'), context, { filename: full });
}

/** Starts the app and returns it with the call page's definition, bound to a fresh page instance. */
function boot(respond) {
  const wx = fakeWx(respond);
  let app = null;
  let definition = null;
  load('app.js', { wx, App: d => { app = d; } });
  app.onLaunch();
  load('pages/call/call.js', { wx, getApp: () => app, Page: d => { definition = d; } });
  const page = Object.assign(Object.create(definition), {
    data: JSON.parse(JSON.stringify(definition.data)),
    setData(changes) { Object.assign(this.data, changes); },
  });
  return { wx, app, definition, page };
}

function handlersIn(wxml) {
  return [...wxml.matchAll(/\b(?:bind|catch)[a-z]+="([A-Za-z]+)"/g)].map(m => m[1]);
}

test('every WXML event binding names a handler of its page', () => {
  const { definition } = boot(() => ({ statusCode: 500, data: {} }));
  let index = null;
  load('pages/index/index.js', { wx: fakeWx(), getApp: () => ({}), Page: d => { index = d; } });
  for (const [wxml, page] of [['pages/call/call.wxml', definition], ['pages/index/index.wxml', index]]) {
    const names = handlersIn(fs.readFileSync(path.join(root, wxml), 'utf8'));
    assert.ok(names.length > 0, wxml);
    for (const name of names) assert.equal(typeof page[name], 'function', `${wxml}: ${name}`);
  }
});

test('the call page binds <live-pusher>/<live-player> attributes to the party view fields it gets', () => {
  const wxml = fs.readFileSync(path.join(root, 'pages/call/call.wxml'), 'utf8');
  for (const [attribute, field] of [
    ['url', 'pusher.url'], ['mode', 'pusher.mode'], ['min-bitrate', 'pusher.minBitrate'], ['max-bitrate', 'pusher.maxBitrate'],
    ['audio-quality', 'pusher.audioQuality'], ['src', 'player.src'], ['mode', 'player.mode'], ['min-cache', 'player.minCache'],
    ['max-cache', 'player.maxCache'],
  ]) assert.ok(wxml.includes(`${attribute}="{{${field}}}"`), `${attribute}="{{${field}}}"`);
  assert.match(wxml, /<live-pusher[^>]*bindstatechange="onPusherStateChange"[^>]*binderror="onPusherError"/);
  assert.match(wxml, /<live-player[^>]*bindstatechange="onPlayerStateChange"/);
  assert.match(wxml, /wx:if="\{\{recording\}\}"/);
});

test('the app opens the socket; the call page joins, reports codes, and goes back on "hangup"', async () => {
  let events = [];
  const { wx, page } = boot(req => {
    if (req.url.startsWith('https://your-backend.example.com/')) return { statusCode: 200, data: { token: 'v1.u.s', expiresAt: '2099-01-01T00:00:00Z' } };
    if (req.method === 'GET') return { statusCode: 200, data: { callId: 'c1', state: 'accepted', scenario: 'general', parties: { a: partyView(), b: partyView({ userId: 'bob', pushUrl: null, playUrl: null, playFlvUrl: null }) } } };
    if (req.url.endsWith('/events')) { events.push(req.data.events); return { statusCode: 202, data: { action: 'hangup', call: { state: 'ended', endReason: 'client_terminal_code' } } }; }
    return { statusCode: 404, data: {} };
  });
  await settle();
  assert.equal(wx.sockets.length, 1);
  assert.match(wx.sockets[0].url, /^wss:\/\/call\.example\.com\/v1\/ws\?token=v1\.u\.s$/);

  page.onLoad({ callId: 'c1' });
  await settle();
  assert.equal(page.data.phase, 'in_call');
  assert.equal(page.data.pusher.url, partyView().pushUrl);

  page.onPlayerStateChange({ detail: { code: -2301, message: 'disconnected' } });
  await settle();
  assert.deepEqual(events, [[{ component: 'player', code: -2301, message: 'disconnected' }]]);
  assert.deepEqual(wx.navigations, ['back']);
  assert.deepEqual(wx.toasts, ['Connection lost']);

  page.onUnload(); // the page goes away: no hang-up request for an ended call
  await settle();
  assert.equal(wx.requests.filter(r => r.url.endsWith('/hangup')).length, 0);
});
