// The CallService API as the console uses it (docs/api.md), with the API key from this tab's session storage.

const keyName = 'callservice.console.apiKey';

/** The API key: sessionStorage only (never localStorage, a cookie or a URL), so it dies with the tab. */
export const apiKey = {
  get: () => sessionStorage.getItem(keyName),
  set: value => sessionStorage.setItem(keyName, value),
  clear: () => sessionStorage.removeItem(keyName),
};

/** An answer that is not 2xx: `status` and the RFC 9457 problem details (or null). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) ? `${status}: ${problem.detail || problem.title}` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

let onUnauthorized = () => {};

/** Called when the API answers 401 (a wrong or revoked key). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** Sends a request with the API key; resolves with the parsed JSON body, rejects with ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const key = apiKey.get();
  if (!key) throw new ApiError(401, { title: 'No API key entered' });
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** A path segment from a value (call ids are [0-9a-f], but never trust that). */
export const segment = value => encodeURIComponent(String(value));
