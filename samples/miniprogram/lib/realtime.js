'use strict';

const { realTimers } = require('./http.js');
const { SeqTracker } = require('./seqTracker.js');

/**
 * CallService's realtime channel (`GET /v1/ws?token=`, docs/api.md "Realtime channel") over `wx.connectSocket`:
 * plain JSON text frames, one socket per page session.
 *
 * - Connects with the user token in the query (`?token=`), fetched from your backend through `tokens`.
 * - After every reconnect sends `{"type":"resume","afterSeq":N}` with the last event it processed, so the events
 *   sent while the socket was down are replayed (the service keeps at least 5 minutes); repeats are dropped.
 * - Reconnects with a doubling, jittered delay (`initialDelayMs` … `maxDelayMs`) and gives up after `maxAttempts`
 *   failed attempts in a row (then `onStatus('offline')`; `start()` tries again). An open socket resets the count.
 * - Sends `{"type":"ping"}` every `pingIntervalMs` so idle mobile NATs keep the connection.
 *
 * @param {object} options
 * @param {object} options.wx the wx API object (`connectSocket` → SocketTask)
 * @param {string} options.wsBaseUrl e.g. `wss://call.example.com`
 * @param {{get: () => Promise<string>}} options.tokens see tokenSource.js
 * @param {(event: object) => void} options.onEvent every server event (`{seq,type,callId,at,data}`), once, in the
 *   order received
 * @param {(status: 'connecting'|'online'|'reconnecting'|'offline') => void} [options.onStatus]
 * @param {object} [options.timers]
 * @param {() => number} [options.random] 0..1, for the jitter
 */
function createRealtime({
  wx, wsBaseUrl, tokens, onEvent, onStatus = () => {}, timers = realTimers, random = Math.random,
  initialDelayMs = 1000, maxDelayMs = 16000, maxAttempts = 8, pingIntervalMs = 25000,
}) {
  const seqs = new SeqTracker();
  let task = null;
  let opened = false;      // some socket of this session was open before: the next open sends resume
  let failures = 0;        // failed attempts in a row
  let retryTimer = null;
  let pingTimer = null;
  let running = false;

  async function connect() {
    retryTimer = null;
    onStatus(opened ? 'reconnecting' : 'connecting');
    let token;
    try {
      token = await tokens.get();
    } catch (e) {
      return lost(null);
    }
    if (!running) return;
    const url = wsBaseUrl.replace(/\/+$/, '') + '/v1/ws?token=' + encodeURIComponent(token);
    const socket = wx.connectSocket({ url });
    task = socket;
    socket.onOpen(() => {
      if (task !== socket) return;
      failures = 0;
      if (opened) send({ type: 'resume', afterSeq: seqs.resumeAfter });
      opened = true;
      pingTimer = timers.setInterval(() => send({ type: 'ping' }), pingIntervalMs);
      onStatus('online');
    });
    socket.onMessage(message => {
      if (task === socket) receive(message.data);
    });
    socket.onClose(() => lost(socket));
    socket.onError(() => lost(socket));
  }

  function receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      return; // not ours to interpret
    }
    if (!frame || typeof frame.seq !== 'number') return; // pong, status.result, error: no event
    if (seqs.accept(frame.seq)) onEvent(frame);
  }

  /** The socket closed or failed (onError and onClose may both fire: act once per socket). */
  function lost(socket) {
    if (socket !== task) return;
    task = null;
    if (pingTimer !== null) timers.clearInterval(pingTimer);
    pingTimer = null;
    if (!running) return;
    failures++;
    if (failures > maxAttempts) {
      running = false;
      onStatus('offline');
      return;
    }
    const ceiling = Math.min(maxDelayMs, initialDelayMs * Math.pow(2, failures - 1));
    const delay = Math.round(ceiling / 2 + (ceiling / 2) * random());
    onStatus('reconnecting');
    retryTimer = timers.setTimeout(connect, delay);
  }

  function send(frame) {
    if (task) task.send({ data: JSON.stringify(frame) });
  }

  return {
    /** Opens the socket (again, after `offline` or `stop`). */
    start() {
      if (running) return;
      running = true;
      failures = 0;
      connect();
    },
    /** Closes the socket for good (page unload). */
    stop() {
      running = false;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      retryTimer = null;
      if (pingTimer !== null) timers.clearInterval(pingTimer);
      pingTimer = null;
      const socket = task;
      task = null;
      if (socket) socket.close({ code: 1000, reason: 'page closed' });
    },
    /** The `afterSeq` the next reconnect will resume from. */
    get lastSeq() {
      return seqs.resumeAfter;
    },
  };
}

module.exports = { createRealtime };
