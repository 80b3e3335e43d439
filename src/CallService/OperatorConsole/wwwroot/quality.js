// Short descriptions of a call for tables: duration and media quality (docs/api.md, "Media quality").

import { formatDuration } from './dom.js';

/** Seconds since the call was accepted (ringing: since created), up to its end. */
export function callSeconds(call, now = Date.now()) {
  const start = Date.parse(call.acceptedAt || call.createdAt);
  const end = call.endedAt ? Date.parse(call.endedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : null;
}

/** "ringing 0:12" while ringing, else the call's duration. */
export function durationText(call, now = Date.now()) {
  const text = formatDuration(callSeconds(call, now));
  return call.state === 'ringing' ? `ringing ${text}` : text;
}

/** One party's quality (`parties.x.quality`): the relay's figures of the stream it publishes, and its warnings. */
export function qualityText(quality) {
  if (!quality) return '–';
  const parts = [];
  const m = quality.media;
  if (m && (m.lastVideoKbps || m.lastAudioKbps)) {
    parts.push(`${m.lastVideoKbps}+${m.lastAudioKbps} kbps`, `${Number(m.lastFps).toFixed(0)} fps`);
    if (m.width && m.height) parts.push(`${m.width}×${m.height}`);
  } else {
    parts.push('no media measured yet');
  }
  if (m) {
    const drops = (m.viewerAudioDropped || 0) + (m.viewerVideoDropped || 0);
    if (drops) parts.push(`${drops} dropped for the peer`);
    if (m.stalls) parts.push(`${m.stalls} stalls`);
  }
  const warnings = Object.values(quality.warnings || {}).reduce((sum, n) => sum + n, 0);
  if (warnings) parts.push(`${warnings} warnings`);
  return parts.join(' · ');
}

/** The end of a call as a sentence: "hangup by system", "client_terminal_code by b (code -2301)". */
export function endText(call) {
  if (call.state !== 'ended') return '';
  const code = call.code === null || call.code === undefined ? '' : ` (code ${call.code})`;
  return `${call.endReason} by ${call.endedBy}${code}`;
}
