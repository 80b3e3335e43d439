'use strict';

const { request, NetworkError, ApiError, realTimers } = require('./http.js');

/**
 * The party side of CallService's HTTP API (docs/api.md), authenticated with the user token
 * (`Authorization: Bearer <token>`).
 *
 * Party actions (`accept`, `reject`, `hangup`) are idempotent on the service ("repeating an action that already took
 * effect is harmless"), so an action that got no answer at all (mobile network) is sent again, up to `attempts`
 * times with a doubling delay. An HTTP error answer is never retried: it is thrown as an {@link ApiError}.
 * A 401 drops the cached token so the next request fetches a fresh one from your backend.
 *
 * @param {object} options
 * @param {object} options.wx the wx API object
 * @param {string} options.apiBaseUrl CallService's base URL, e.g. `https://call.example.com` (no trailing slash)
 * @param {{get: () => Promise<string>, invalidate: () => void}} options.tokens see tokenSource.js
 * @param {object} [options.timers] timers (see http.js `realTimers`)
 * @param {number} [options.attempts=3] tries of an action that got no answer
 * @param {number} [options.retryDelayMs=500] delay before the first retry (doubles each time)
 */
function createCallClient({ wx, apiBaseUrl, tokens, timers = realTimers, attempts = 3, retryDelayMs = 500 }) {
  const base = apiBaseUrl.replace(/\/+$/, '');

  async function send(method, path, body, extraHeader) {
    const token = await tokens.get();
    const header = Object.assign({ Authorization: 'Bearer ' + token }, extraHeader);
    const options = { url: base + path, method, header };
    if (body !== undefined) {
      header['content-type'] = 'application/json';
      options.data = body;
    }
    const res = await request(wx, options);
    if (res.statusCode === 401) tokens.invalidate();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new ApiError(res.statusCode, res.data);
    return res.data;
  }

  async function withRetry(method, path, body, extraHeader) {
    let delay = retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(method, path, body, extraHeader);
      } catch (e) {
        if (!(e instanceof NetworkError) || attempt >= attempts) throw e;
        await new Promise(resolve => timers.setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  const callPath = callId => '/v1/calls/' + encodeURIComponent(callId);

  return {
    /**
     * `POST /v1/calls` as the caller (the token's user): `{"callee":{"userId"},"scenario","ring":true}` → the call
     * (201). Retried on no answer with the same `Idempotency-Key`, so a lost answer never creates a second call.
     * @param {{callee: {userId: string}, scenario?: string, ring?: boolean}} body
     * @param {string} idempotencyKey 1–255 visible ASCII characters, new for each call the user starts
     */
    createCall: (body, idempotencyKey) => withRetry('POST', '/v1/calls', body, { 'Idempotency-Key': idempotencyKey }),
    /** `GET /v1/calls/{callId}` → the call as this party sees it (its own URLs only). */
    getCall: callId => withRetry('GET', callPath(callId)),
    /** `POST /v1/calls/{callId}/accept` (callee) → the call, with the callee's URLs issued. */
    accept: callId => withRetry('POST', callPath(callId) + '/accept'),
    /** `POST /v1/calls/{callId}/reject` (callee) → the call, ended `rejected`. */
    reject: callId => withRetry('POST', callPath(callId) + '/reject'),
    /** `POST /v1/calls/{callId}/cancel` (caller, while ringing) → the call, ended `cancelled`. */
    cancel: callId => withRetry('POST', callPath(callId) + '/cancel'),
    /** `POST /v1/calls/{callId}/hangup` (either party) → the call, ended (an ended call is returned unchanged). */
    hangup: callId => withRetry('POST', callPath(callId) + '/hangup'),
    /**
     * `POST /v1/calls/{callId}/events` with `{"events":[{component, code, message?}, …]}` (at most 100, applied in
     * order) → `{"action":"none|hangup","call":…}`. Sent once: the status reporter decides what to do on failure.
     */
    reportEvents: (callId, events) => send('POST', callPath(callId) + '/events', { events }),
  };
}

module.exports = { createCallClient };
