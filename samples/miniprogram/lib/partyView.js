'use strict';

/**
 * Turns a party view (`parties.x` of a call, or `data.view` of `call.accepted`; docs/api.md "Call object") into the
 * attributes the page binds, named as the components name them:
 *
 * - `<live-pusher>`: `url` = `pushUrl`, `mode` = `pusher.mode` (always `RTC`), `min-bitrate`/`max-bitrate` =
 *   `pusher.minBitrate`/`pusher.maxBitrate` (kbps, the scenario's range), `audio-quality` = `pusher.audioQuality`.
 * - `<live-player>`: `src` = `playUrl` (RTMP) or `playFlvUrl` (HTTP-FLV) as `playFormat` says, `mode` =
 *   `player.mode` (always `RTC`), `min-cache`/`max-cache` = `player.minCache`/`player.maxCache` (seconds).
 *
 * @param {object} view a party view
 * @returns {{pusher: object, player: object}|null} null while the view has no URLs yet (a callee before accepting)
 */
function bindPartyView(view) {
  if (!view || !view.pushUrl) return null;
  const src = view.playFormat === 'flv' ? view.playFlvUrl : view.playUrl;
  return {
    pusher: {
      url: view.pushUrl,
      mode: view.pusher.mode,
      minBitrate: view.pusher.minBitrate,
      maxBitrate: view.pusher.maxBitrate,
      audioQuality: view.pusher.audioQuality,
    },
    player: {
      src,
      mode: view.player.mode,
      minCache: view.player.minCache,
      maxCache: view.player.maxCache,
    },
  };
}

/**
 * This user's role in a call object fetched with their own token: only the requester's own party carries URLs
 * (docs/api.md, "Visibility"). A ringing callee has none yet: then `b` when `userId` is the callee, else unknown.
 * @param {object} call
 * @param {string} [userId]
 * @returns {'a'|'b'|null}
 */
function roleIn(call, userId) {
  if (call.parties.a.pushUrl) return 'a';
  if (call.parties.b.pushUrl) return 'b';
  if (userId && call.parties.b.userId === userId) return 'b';
  if (userId && call.parties.a.userId === userId) return 'a';
  return call.state === 'ringing' ? 'b' : null; // the caller's URLs exist from creation on
}

module.exports = { bindPartyView, roleIn };
