// A call's recordings and snapshots, where the service has them: GET /v1/calls/{id}/recordings and
// GET /v1/calls/{id}/snapshots (docs/api.md). A 404 (no such endpoint in this build, or nothing for the call) or
// any other failure hides the section: evidence is optional.

import { api, segment } from './api.js';
import { el, fill, formatBytes, formatDuration, formatTime } from './dom.js';

/**
 * Shows what exists of the call's evidence in the two sections; hides a section that has nothing to show.
 * Resolves with `{ snapshots: true }` when the service lists snapshots for the call (so it can take them).
 */
export async function showEvidence(callId, recordingsSection, snapshotsSection, isCurrent = () => true) {
  const [recordings, snapshots] = await Promise.all([
    fetchOrNull(`/v1/calls/${segment(callId)}/recordings`),
    fetchOrNull(`/v1/calls/${segment(callId)}/snapshots`),
  ]);
  if (!isCurrent()) return { snapshots: false }; // another call was opened meanwhile
  showRecordings(recordings, recordingsSection);
  return { snapshots: showSnapshots(snapshots, snapshotsSection) };
}

/** POST /v1/calls/{id}/snapshots {"party"}: a JPEG of the party's current picture; 409 when its stream is not live. */
export function takeSnapshot(callId, party) {
  return api(`/v1/calls/${segment(callId)}/snapshots`, { method: 'POST', body: { party } });
}

/** Hides both sections (another call was opened, or the detail closed). */
export function hideEvidence(...sections) {
  for (const section of sections) section.hidden = true;
}

async function fetchOrNull(path) {
  try {
    return await api(path);
  } catch {
    return null;
  }
}

function showRecordings(answer, section) {
  const files = answer && Array.isArray(answer.files) ? answer.files : null;
  if (!answer || !files || (answer.state === 'off' && files.length === 0)) {
    section.hidden = true;
    return;
  }
  section.querySelector('.evidence-state').textContent = `Recording: ${answer.state}`;
  fill(section.querySelector('tbody'), ...files.map(file => el('tr', { 'data-recording-id': file.recordingId },
    el('td', {}, file.kind),
    el('td', {}, file.party || 'both'),
    el('td', {}, file.format),
    el('td', {}, formatBytes(file.bytes)),
    el('td', {}, formatDuration(file.durationSeconds)),
    el('td', {}, formatTime(file.startedAt)),
    el('td', {}, el('code', { class: 'hash', title: file.sha256 }, shortHash(file.sha256))),
    el('td', {}, link(file.url, 'Download')))));
  section.hidden = false;
}

/** Shows the snapshots; true when the service answered with a list (possibly empty). */
function showSnapshots(answer, section) {
  // The list is an array, or an object holding one under "snapshots".
  const snapshots = Array.isArray(answer) ? answer : answer && Array.isArray(answer.snapshots) ? answer.snapshots : null;
  if (!snapshots || snapshots.length === 0) {
    section.hidden = true;
    return snapshots !== null;
  }
  fill(section.querySelector('ul'), ...snapshots.map(s => {
    const caption = `Party ${s.party}, ${s.width}×${s.height}, ${formatTime(s.takenAt)}`;
    const image = safeUrl(s.url)
      ? el('img', { src: s.url, alt: `Snapshot of party ${s.party} taken ${formatTime(s.takenAt)}`, loading: 'lazy', width: 160 })
      : null;
    return el('li', { 'data-snapshot-id': s.snapshotId },
      el('figure', {}, image, el('figcaption', {}, caption, ' ', link(s.url, 'Open'), ' ',
        el('code', { class: 'hash', title: s.sha256 }, shortHash(s.sha256)))));
  }));
  section.hidden = false;
  return true;
}

const shortHash = hash => (typeof hash === 'string' && hash.length > 12 ? `${hash.slice(0, 12)}…` : hash || '–');

/** Only http(s) links become anchors (never javascript: or data: from a response). */
function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

function link(url, text) {
  return safeUrl(url) ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text) : '–';
}
