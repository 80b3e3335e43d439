'use strict';

/**
 * `wx.request` as a promise.
 *
 * Resolves `{ statusCode, data, header }` for every HTTP answer, 2xx or not (wx calls `success` for any status);
 * rejects with a {@link NetworkError} only when no answer came (`fail`: DNS, TLS, timeout, a domain missing from the
 * mini-program's "request legal domains").
 *
 * @param {object} wx the wx API object (injected so tests can fake it)
 * @param {{url: string, method: string, header?: object, data?: object}} options
 * @returns {Promise<{statusCode: number, data: any, header: object}>}
 */
function request(wx, options) {
  return new Promise((resolve, reject) => {
    wx.request(Object.assign({ dataType: 'json' }, options, {
      success: res => resolve(res),
      fail: err => reject(new NetworkError((err && err.errMsg) || 'request:fail')),
    }));
  });
}

/** No HTTP answer at all (wx `fail`); safe to retry an idempotent action. */
class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NetworkError';
  }
}

/**
 * An HTTP answer outside 2xx. CallService answers errors as RFC 9457 problem details (docs/api.md, "Errors"):
 * `problem.status`, `problem.title`, `problem.rule` (403/409), `problem.errors` (400).
 */
class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {any} problem the parsed body (a problem details object when the service answered)
   */
  constructor(status, problem) {
    const detail = problem && typeof problem === 'object' ? (problem.rule || problem.title || '') : '';
    super(`HTTP ${status}${detail ? ' ' + detail : ''}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.rule = problem && typeof problem === 'object' ? problem.rule : undefined;
  }
}

/** Real timers of the mini-program (and of node); modules take a `timers` object so tests can drive time. */
const realTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: id => clearTimeout(id),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: id => clearInterval(id),
  now: () => Date.now(),
};

module.exports = { request, NetworkError, ApiError, realTimers };
