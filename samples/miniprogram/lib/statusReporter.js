'use strict';

const { ApiError, realTimers } = require('./http.js');

/**
 * The codes CallService's `documented` rule set ends a call on (docs/api.md, "POST /v1/calls/{callId}/events":
 * 2006, −2301, −1310, 3001, 3002, 3003, 3005) plus `binderror`'s camera/microphone permission errors. They are sent at
 * once instead of waiting for the batch, so the peer learns of the end without the batching delay.
 */
const SEND_AT_ONCE = new Set([2006, -2301, -1310, 3001, 3002, 3003, 3005, 10001, 10002]);

/** The service applies at most 100 events per report. */
const MAX_EVENTS_PER_REPORT = 100;

/**
 * Reports `<live-pusher>`/`<live-player>` `bindstatechange` codes and `binderror` codes of one call in batches to
 * `POST /v1/calls/{callId}/events` (docs/api.md): a batch leaves `flushIntervalMs` after its first code, or as soon
 * as it holds `maxBatch` codes, or at once for a code in {@link SEND_AT_ONCE}. One report is in flight at a time, so
 * the service applies the codes in the order the components raised them.
 *
 * The answer's `action` is passed to `onAction`: `"hangup"` means the call is (now) ended and the page should close.
 * A report that got no answer or a 5xx is kept and sent again with the next batch (at most `maxAttempts` times);
 * a 4xx answer drops it (the service will not accept it on a retry either); 404 means the call is gone: `hangup`.
 *
 * @param {object} options
 * @param {{reportEvents: (callId: string, events: object[]) => Promise<{action: string}>}} options.client
 * @param {string} options.callId
 * @param {(action: string, answer: object|null) => void} options.onAction
 * @param {object} [options.timers]
 */
function createStatusReporter({
  client, callId, onAction, timers = realTimers, flushIntervalMs = 1000, maxBatch = 10, maxAttempts = 3,
}) {
  const limit = Math.min(maxBatch, MAX_EVENTS_PER_REPORT);
  let queue = [];        // { event, attempts }
  let timer = null;
  let inFlight = false;
  let stopped = false;

  function report(component, code, message) {
    if (stopped || typeof code !== 'number' || !Number.isInteger(code)) return;
    const event = { component, code };
    if (message) event.message = String(message).slice(0, 200);
    queue.push({ event, attempts: 0 });
    if (queue.length >= limit || SEND_AT_ONCE.has(code)) flush();
    else schedule();
  }

  function schedule() {
    if (timer === null && !inFlight && queue.length > 0) timer = timers.setTimeout(flush, flushIntervalMs);
  }

  async function flush() {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    if (inFlight || stopped || queue.length === 0) return;
    const batch = queue.slice(0, limit);
    queue = queue.slice(batch.length);
    inFlight = true;
    let answer = null;
    try {
      answer = await client.reportEvents(callId, batch.map(item => item.event));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) answer = { action: 'hangup', call: null };
      else if (!(e instanceof ApiError) || e.status >= 500) requeue(batch);
    }
    inFlight = false;
    if (stopped) return;
    if (answer && answer.action) onAction(answer.action, answer);
    if (stopped) return;
    if (queue.length >= limit || queue.some(item => SEND_AT_ONCE.has(item.event.code))) flush();
    else schedule();
  }

  function requeue(batch) {
    const kept = batch.filter(item => ++item.attempts < maxAttempts);
    queue = kept.concat(queue);
  }

  return {
    /**
     * Queues one code. `component`: `pusher` or `player` (`bindstatechange`, `e.detail.code`) or `error`
     * (`binderror`, `e.detail.errCode`).
     */
    report,
    /** Sends what is queued now (e.g. before the page hangs up). */
    flush,
    /** Drops the queue and stops reporting (the call ended). */
    stop() {
      stopped = true;
      queue = [];
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
    /** Codes waiting to be sent. */
    get pending() {
      return queue.length;
    },
  };
}

module.exports = { createStatusReporter, SEND_AT_ONCE };
