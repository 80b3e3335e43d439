'use strict';

const { request, ApiError } = require('./http.js');

/**
 * Where the page gets its CallService **user token**: from *your* backend, never from CallService directly.
 *
 * The API key of CallService is a server secret: anything shipped in a mini-program package can be read by anyone
 * who unpacks it, so the key stays on your backend. Your backend knows who the user is (its own session, e.g. after
 * `wx.login` → `code2Session`), calls `POST /v1/tokens` with the API key for that user (docs/api.md) and hands the
 * answer `{"token","expiresAt"}` to the page. This module asks `tokenUrl` for it and keeps it until shortly before
 * it expires.
 *
 * @param {object} options
 * @param {object} options.wx the wx API object
 * @param {string} options.tokenUrl your backend's endpoint; POST, answers `{"token":"v1.…","expiresAt":"ISO-8601"}`
 * @param {() => object} [options.backendHeader] headers that identify the user to your backend (your session cookie
 *   or bearer), called on every fetch
 * @param {number} [options.refreshMarginMs=60000] a token expiring within this margin is fetched again
 * @param {{now: () => number}} [options.timers] clock (ms since the epoch)
 */
function createTokenSource({ wx, tokenUrl, backendHeader, refreshMarginMs = 60000, timers }) {
  const now = timers ? timers.now : Date.now;
  let cached = null;   // { token, expiresAtMs }
  let pending = null;  // one fetch shared by concurrent callers

  async function fetchToken() {
    const res = await request(wx, {
      url: tokenUrl,
      method: 'POST',
      header: Object.assign({ 'content-type': 'application/json' }, backendHeader ? backendHeader() : {}),
      data: {},
    });
    if (res.statusCode !== 200) throw new ApiError(res.statusCode, res.data);
    const body = res.data || {};
    const expiresAtMs = Date.parse(body.expiresAt);
    if (typeof body.token !== 'string' || !body.token || Number.isNaN(expiresAtMs)) {
      throw new Error('token endpoint answered without "token" and "expiresAt"');
    }
    cached = { token: body.token, expiresAtMs };
    return body.token;
  }

  return {
    /** The current token; fetched when there is none or it expires within the margin. */
    get() {
      if (cached && cached.expiresAtMs - refreshMarginMs > now()) return Promise.resolve(cached.token);
      if (!pending) {
        // (no Promise.prototype.finally: older base libraries lack it)
        pending = fetchToken().then(
          token => { pending = null; return token; },
          error => { pending = null; throw error; });
      }
      return pending;
    },
    /** Forgets the token (CallService answered 401: expired or revoked), so the next `get` fetches a new one. */
    invalidate() {
      cached = null;
    },
  };
}

module.exports = { createTokenSource };
