'use strict';

const { realTimers } = require('./http.js');
const { createTokenSource } = require('./tokenSource.js');
const { createCallClient } = require('./callClient.js');
const { createRealtime } = require('./realtime.js');
const { createCallSession } = require('./callSession.js');

/**
 * What lives as long as the mini-program (created in app.js): the token source, the HTTP client and one realtime
 * socket. It routes each realtime event to the call page showing that call; a `call.incoming` (or the
 * `call.accepted` of a direct call) for a call no page shows opens the call page (`wx.navigateTo`, unless the call
 * ended within `openDelayMs`) and keeps the call's events until that page attaches.
 *
 * @param {object} options
 * @param {object} options.wx
 * @param {{apiBaseUrl: string, wsBaseUrl: string, tokenUrl: string, callPage?: string}} options.config see config.js
 * @param {() => object} [options.backendHeader] identifies the user to your backend (see tokenSource.js)
 * @param {object} [options.timers]
 * @param {() => number} [options.random]
 * @param {number} [options.openDelayMs=300] how long a new call's first event waits before the call page opens
 */
function createCallApp({ wx, config, backendHeader, timers = realTimers, random = Math.random, openDelayMs = 300 }) {
  const callPage = config.callPage || '/pages/call/call';
  const tokens = createTokenSource({ wx, tokenUrl: config.tokenUrl, backendHeader, timers });
  const client = createCallClient({ wx, apiBaseUrl: config.apiBaseUrl, tokens, timers });
  const sessions = new Map(); // callId → session of an open call page
  const waiting = new Map();  // callId → events for a call page being opened
  const statusListeners = new Set();
  let status = 'offline';

  function route(event) {
    const session = sessions.get(event.callId);
    if (session) return session.handleEvent(event);
    if (waiting.has(event.callId)) return waiting.get(event.callId).push(event);
    if (event.type === 'call.incoming' || event.type === 'call.accepted') {
      waiting.set(event.callId, [event]);
      // Held briefly: after a reconnect, `resume` replays a call that rang and ended while the socket was down as
      // call.incoming + call.ended back to back; such a call must not flash the call page open.
      timers.setTimeout(() => {
        const events = waiting.get(event.callId);
        if (!events) return;
        if (events.some(e => e.type === 'call.ended')) waiting.delete(event.callId);
        else wx.navigateTo({ url: callPage + '?callId=' + encodeURIComponent(event.callId) });
      }, openDelayMs);
    }
    // Other events of calls no page shows (e.g. a replayed call.ended of an old call) need nothing.
  }

  const realtime = createRealtime({
    wx, wsBaseUrl: config.wsBaseUrl, tokens, timers, random, onEvent: route,
    onStatus: s => { status = s; statusListeners.forEach(listener => listener(s)); },
  });

  return {
    client,
    realtime,
    /** Connects the realtime socket (app launch). */
    start: () => realtime.start(),
    /** `connecting`, `online`, `reconnecting` or `offline`. */
    get status() { return status; },
    /** Calls `listener(status)` on every change; returns the function that unsubscribes. */
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    /**
     * The call page's session for `callId`: gets this call's realtime events from now on, after the ones that
     * arrived while the page was opening. Call `session.join()` next to fetch the call's current state.
     * Options as in callSession.js (`userId`, `page`, `onChange`, `onClose`, `reporter`).
     */
    openSession(callId, options) {
      const session = createCallSession(Object.assign({}, options, { wx, client, callId, timers }));
      sessions.set(callId, session);
      const early = waiting.get(callId) || [];
      waiting.delete(callId);
      early.forEach(event => session.handleEvent(event));
      return session;
    },
    /**
     * The page is about to open the call page for `callId` itself (the caller, after `createCall`): the call's
     * events wait for it instead of opening a second call page.
     */
    expectCall(callId) {
      if (!sessions.has(callId) && !waiting.has(callId)) waiting.set(callId, []);
    },
    /** The call page is gone (unload): its call's events are no longer routed. */
    closeSession(callId) {
      sessions.delete(callId);
    },
  };
}

module.exports = { createCallApp };
