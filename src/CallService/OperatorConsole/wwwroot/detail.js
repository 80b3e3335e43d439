// The open call: its summary, the live picture and relay statistics of both legs (GET /v1/calls/{id}/media),
// the operator's hang-up (POST /v1/calls/{id}/hangup with the API key → ended "hangup", endedBy "system") and its
// evidence. Leg a is stream {callId}-a (the caller's picture), played with the URL the callee plays it with.

import { api, segment } from './api.js';
import { fillStats, formatTime } from './dom.js';
import { hideEvidence, showEvidence, takeSnapshot } from './evidence.js';
import { LegPlayer } from './leg-player.js';
import { durationText, endText } from './quality.js';

const mediaRefreshMs = 2000;

export class CallDetail {
  constructor({ section, onStatus, onEnded }) {
    this.section = section;
    this.onStatus = onStatus;
    this.onEnded = onEnded;
    this.call = null;
    this.timer = null;
    this.legs = {};
    for (const role of ['a', 'b']) {
      const figure = section.querySelector(`#leg-${role}`);
      const state = figure.querySelector('.leg-state');
      this.legs[role] = {
        figure,
        user: figure.querySelector('.leg-user'),
        sound: figure.querySelector('.leg-sound'),
        snapshot: figure.querySelector('.leg-snapshot'),
        stats: figure.querySelector('.leg-stats'),
        player: new LegPlayer(figure.querySelector('video'), (s, detail) => {
          state.textContent = detail ? `${s}: ${detail}` : s;
        }),
      };
    }
    for (const leg of Object.values(this.legs)) {
      leg.sound.addEventListener('click', () => {
        const video = leg.player.video;
        video.muted = !video.muted;
        leg.sound.setAttribute('aria-pressed', String(!video.muted));
      });
    }
    for (const role of ['a', 'b']) this.legs[role].snapshot.addEventListener('click', () => this.snapshot(role));
    this.canSnapshot = false;
    this.recordings = section.querySelector('#recordings');
    this.snapshots = section.querySelector('#snapshots');
    this.hangupButton = section.querySelector('#hangup');
    this.hangupButton.addEventListener('click', () => this.hangup());
    section.querySelector('#close-detail').addEventListener('click', () => this.close());
  }

  get callId() {
    return this.call ? this.call.callId : null;
  }

  /** Opens `call` (a call object): plays its legs while it runs, shows its evidence. */
  open(call) {
    if (this.callId !== call.callId) {
      this.close();
      hideEvidence(this.recordings, this.snapshots);
    } else {
      this.stopMedia(); // Watch again: reconnect players that gave up
    }
    this.section.hidden = false;
    this.update(call);
    this.refreshEvidence();
    this.section.scrollIntoView({ block: 'nearest' });
  }

  /** Shows the call's newest state (from the live list or the API). */
  update(call) {
    const justEnded = call.state === 'ended' && this.call && this.call.callId === call.callId && this.call.state !== 'ended';
    this.call = call;
    this.section.dataset.callId = call.callId;
    this.section.dataset.state = call.state;
    this.section.querySelector('#detail-id').textContent = call.callId;
    const a = call.parties.a;
    const b = call.parties.b;
    this.legs.a.user.textContent = `${a.userId} (caller)`;
    this.legs.b.user.textContent = `${b.userId} (callee)`;
    const summary = `${call.state} · ${call.scenario} · created ${formatTime(call.createdAt)} · ${durationText(call)}`;
    this.section.querySelector('#detail-summary').textContent =
      call.state === 'ended' ? `${summary} · ended ${endText(call)} at ${formatTime(call.endedAt)}` : summary;
    this.hangupButton.hidden = call.state === 'ended';
    if (call.state === 'ended') {
      this.stopMedia();
      if (justEnded) this.refreshEvidence(); // recordings move on to processing
      this.showSnapshotButtons();
      return;
    }
    // Leg a is what the callee plays (parties.b.playFlvUrl); leg b is what the caller plays.
    this.legs.a.player.play(b.playFlvUrl);
    this.legs.b.player.play(a.playFlvUrl);
    if (this.timer === null) this.refreshMedia();
  }

  /** The open call left the live list: read how it ended. */
  async left() {
    if (!this.call || this.call.state === 'ended') return;
    try {
      const call = await api(`/v1/calls/${segment(this.callId)}`);
      this.update(call);
      if (call.state === 'ended') this.onEnded(call);
    } catch (error) {
      this.onStatus(`Could not read call ${this.callId}: ${error.message}`);
    }
  }

  /** Reads the call's evidence; snapshots can be taken when the service lists them and the call runs. */
  async refreshEvidence() {
    const callId = this.callId;
    const found = await showEvidence(callId, this.recordings, this.snapshots, () => callId === this.callId);
    if (callId !== this.callId) return;
    this.canSnapshot = found.snapshots;
    this.showSnapshotButtons();
  }

  showSnapshotButtons() {
    const shown = this.canSnapshot && this.call !== null && this.call.state !== 'ended';
    for (const leg of Object.values(this.legs)) leg.snapshot.hidden = !shown;
  }

  async snapshot(role) {
    const callId = this.callId;
    if (!callId) return;
    try {
      const taken = await takeSnapshot(callId, role);
      this.onStatus(`Snapshot of leg ${taken.party} taken (${taken.width}×${taken.height}).`);
      if (callId === this.callId) await this.refreshEvidence();
    } catch (error) {
      this.onStatus(`Snapshot of leg ${role} failed: ${error.message}`);
    }
  }

  async refreshMedia() {
    clearTimeout(this.timer);
    this.timer = null;
    const callId = this.callId;
    if (!callId || this.call.state === 'ended') return;
    try {
      const media = await api(`/v1/calls/${segment(callId)}/media`);
      if (callId !== this.callId) return;
      for (const role of ['a', 'b']) fillStats(this.legs[role].stats, streamStats(media.streams[role]));
    } catch (error) {
      this.onStatus(`Media statistics: ${error.message}`);
    }
    if (callId === this.callId && this.call.state !== 'ended')
      this.timer = setTimeout(() => this.refreshMedia(), mediaRefreshMs);
  }

  async hangup() {
    const call = this.call;
    if (!call || call.state === 'ended') return;
    if (!window.confirm(`Hang up call ${call.callId} (${call.parties.a.userId} ↔ ${call.parties.b.userId})? Both parties are disconnected.`))
      return;
    this.hangupButton.disabled = true;
    try {
      const ended = await api(`/v1/calls/${segment(call.callId)}/hangup`, { method: 'POST' });
      if (ended.callId === this.callId) this.update(ended);
      this.onStatus(`Call ${ended.callId} ended: ${endText(ended)}.`);
      this.onEnded(ended);
    } catch (error) {
      this.onStatus(`Hang-up failed: ${error.message}`);
    } finally {
      this.hangupButton.disabled = false;
    }
  }

  stopMedia() {
    clearTimeout(this.timer);
    this.timer = null;
    for (const leg of Object.values(this.legs)) {
      leg.player.stop();
      leg.player.video.muted = true;
      leg.sound.setAttribute('aria-pressed', 'false');
    }
  }

  close() {
    this.stopMedia();
    for (const leg of Object.values(this.legs)) fillStats(leg.stats, []);
    this.call = null;
    this.canSnapshot = false;
    this.showSnapshotButtons();
    this.section.hidden = true;
    delete this.section.dataset.callId;
  }
}

/** A stream of GET /v1/calls/{id}/media as [term, value] pairs. */
function streamStats(stream) {
  if (!stream || !stream.live) return [['Live', 'no (not published)']];
  const pairs = [['Live', `yes, from ${stream.publisherAddress || '?'}`]];
  const v = stream.video;
  if (v) {
    pairs.push(['Video', `${v.codec} ${v.profileName || ''} ${v.level || ''} ${v.width}×${v.height} ${v.fps} fps`.replace(/\s+/g, ' ')]);
    pairs.push(['Video rate', `${v.kbps} kbps, keyframe every ${v.keyFrameIntervalMs} ms`]);
  }
  const a = stream.audio;
  if (a) pairs.push(['Audio', `${a.codec} ${a.sampleRate} Hz ×${a.channels}, ${a.kbps} kbps`]);
  const viewers = stream.viewers || [];
  const dropped = viewers.reduce((sum, x) => sum + x.audioDropped + x.videoDropped, 0);
  const queue = viewers.reduce((max, x) => Math.max(max, x.maxQueueMs), 0);
  pairs.push(['Viewers', `${stream.viewerCount} (dropped ${dropped}, max queue ${queue} ms)`]);
  return pairs;
}
