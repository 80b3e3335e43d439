'use strict';

/**
 * Test doubles of the mini-program runtime: a `wx` object that records requests, sockets and component contexts
 * and answers requests as the test says, and timers driven by the test instead of the wall clock.
 */

/** Lets pending promise callbacks and immediate callbacks run (fake answers are delivered asynchronously). */
async function settle(rounds = 5) {
  for (let i = 0; i < rounds; i++) await new Promise(resolve => setImmediate(resolve));
}

/** Timers on a clock that moves only with `advance(ms)`; `now()` starts at `startMs`. */
function fakeTimers(startMs = Date.parse('2026-12-01T12:00:00Z')) {
  let now = startMs;
  let nextId = 1;
  const timers = new Map(); // id → { due, fn, every }

  const api = {
    now: () => now,
    setTimeout(fn, ms) { const id = nextId++; timers.set(id, { due: now + (ms || 0), fn, every: 0 }); return id; },
    clearTimeout(id) { timers.delete(id); },
    setInterval(fn, ms) { const id = nextId++; timers.set(id, { due: now + ms, fn, every: ms }); return id; },
    clearInterval(id) { timers.delete(id); },
    /** Pending timers, for assertions. */
    get count() { return timers.size; },
    /** Moves the clock by `ms`, running every timer that falls due in order (and the promises they start). */
    async advance(ms) {
      const target = now + ms;
      await settle(); // timers that pending answers are about to set
      for (let guard = 0; guard < 10000; guard++) {
        let id = null;
        let first = null;
        for (const [key, t] of timers) if (t.due <= target && (first === null || t.due < first.due)) { id = key; first = t; }
        if (first === null) break;
        now = first.due;
        if (first.every) first.due += first.every;
        else timers.delete(id);
        first.fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
  return api;
}

/** A SocketTask of `wx.connectSocket`: the test opens it, pushes server frames and closes it. */
class FakeSocketTask {
  constructor(options) {
    this.url = options.url;
    this.sent = [];
    this.closed = null;
    this.handlers = { open: [], message: [], close: [], error: [] };
  }
  onOpen(fn) { this.handlers.open.push(fn); }
  onMessage(fn) { this.handlers.message.push(fn); }
  onClose(fn) { this.handlers.close.push(fn); }
  onError(fn) { this.handlers.error.push(fn); }
  send({ data }) { this.sent.push(JSON.parse(data)); }
  close(options) { this.closed = options || {}; }
  // Test side:
  serverOpen() { this.handlers.open.forEach(fn => fn({})); }
  serverSend(frame) { this.handlers.message.forEach(fn => fn({ data: JSON.stringify(frame) })); }
  serverClose(code = 1006) { this.handlers.error.forEach(fn => fn({ errMsg: 'closed' })); this.handlers.close.forEach(fn => fn({ code })); }
}

/**
 * A `wx` object. `respond(request)` decides each `wx.request` answer: return `{statusCode, data}`, or the string
 * `'fail'` for no answer. Everything the code under test did is kept in `requests`, `sockets`, `navigations`,
 * `pusherStops`, `playerStops`, `keepScreenOn`.
 */
function fakeWx(respond = () => ({ statusCode: 200, data: {} })) {
  const wx = {
    requests: [],
    sockets: [],
    navigations: [],
    pusherStops: 0,
    playerStops: 0,
    keepScreenOn: [],
    respond,
    request(options) {
      const req = { url: options.url, method: options.method, header: options.header || {}, data: options.data };
      wx.requests.push(req);
      const answer = wx.respond(req);
      setImmediate(() => {
        if (answer === 'fail') options.fail({ errMsg: 'request:fail timeout' });
        else options.success({ statusCode: answer.statusCode, data: answer.data, header: {} });
      });
    },
    connectSocket(options) {
      const task = new FakeSocketTask(options);
      wx.sockets.push(task);
      return task;
    },
    createLivePusherContext() { return { stop: () => { wx.pusherStops++; } }; },
    createLivePlayerContext() { return { stop: () => { wx.playerStops++; } }; },
    setKeepScreenOn({ keepScreenOn }) { wx.keepScreenOn.push(keepScreenOn); },
    navigateTo({ url }) { wx.navigations.push(url); },
    navigateBack() { wx.navigations.push('back'); },
    reLaunch({ url }) { wx.navigations.push('relaunch ' + url); },
    showToast({ title }) { wx.toasts.push(title); },
    getStorageSync(key) { return wx.storage[key] || ''; },
  };
  wx.toasts = [];
  wx.storage = {};
  return wx;
}

/** A token source that always has `token`. */
function fixedTokens(token = 'v1.user.sig') {
  const tokens = { invalidated: 0, get: () => Promise.resolve(token), invalidate: () => { tokens.invalidated++; } };
  return tokens;
}

/** A party view as docs/api.md shows it (the caller's, customer_service presets). */
function partyView(overrides = {}) {
  return Object.assign({
    userId: 'alice',
    pushUrl: 'rtmp://127.0.0.1:1935/live/c0ffee-a?txSecret=aa&txTime=6A000000',
    playUrl: 'rtmp://127.0.0.1:1935/live/c0ffee-b?txSecret=bb&txTime=6A000000',
    playFlvUrl: 'http://127.0.0.1:8080/live/c0ffee-b.flv?txSecret=bb&txTime=6A000000',
    playFormat: 'rtmp',
    pusher: { mode: 'RTC', minBitrate: 200, maxBitrate: 500, audioQuality: 'high' },
    player: { mode: 'RTC', minCache: 0.2, maxCache: 0.8 },
    quality: { warnings: {}, media: null },
  }, overrides);
}

module.exports = { settle, fakeTimers, fakeWx, FakeSocketTask, fixedTokens, partyView };
