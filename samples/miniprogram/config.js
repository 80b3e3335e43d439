/**
 * Where the page finds CallService and your backend. Replace the hosts with yours and add them to the
 * mini-program's domain lists (request: apiBaseUrl and tokenUrl; socket: wsBaseUrl), see README.md.
 */
module.exports = {
  /** CallService's HTTP API (docs/api.md). */
  apiBaseUrl: 'https://call.example.com',
  /** CallService's realtime WebSocket (`/v1/ws` is appended). */
  wsBaseUrl: 'wss://call.example.com',
  /**
   * YOUR backend's endpoint that answers `{"token","expiresAt"}` for the logged-in user, after calling CallService's
   * `POST /v1/tokens` with the API key. The API key never goes into the mini-program.
   */
  tokenUrl: 'https://your-backend.example.com/call-token',
  /** The call page. */
  callPage: '/pages/call/call',
};
