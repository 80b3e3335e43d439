// The live calls table: GET /v1/calls?state=active every two seconds (docs/api.md).

import { api } from './api.js';
import { el, fill } from './dom.js';
import { durationText, qualityText } from './quality.js';

const refreshMs = 2000;

/** Renders the live calls into `table`; `onOpen(call)` opens one; `onList(calls)` hears every refresh. */
export class LiveCalls {
  constructor({ table, count, empty, onOpen, onList, onError }) {
    this.body = table.tBodies[0];
    this.count = count;
    this.empty = empty;
    this.onOpen = onOpen;
    this.onList = onList;
    this.onError = onError;
    this.calls = [];
    this.timer = null;
  }

  start() {
    if (this.timer === null) this.refresh();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const list = await api('/v1/calls?state=active');
      this.calls = Array.isArray(list && list.calls) ? list.calls : [];
      this.render();
      this.onList(this.calls);
    } catch (error) {
      this.onError(error);
    }
    this.timer = setTimeout(() => this.refresh(), refreshMs);
  }

  find(callId) {
    return this.calls.find(c => c.callId === callId) || null;
  }

  render() {
    const now = Date.now();
    const rows = this.calls.map(call => {
      const a = call.parties && call.parties.a;
      const b = call.parties && call.parties.b;
      const open = el('button', { type: 'button', 'data-action': 'open', 'aria-label': `Watch call ${call.callId}` }, 'Watch');
      open.addEventListener('click', () => this.onOpen(call));
      return el('tr', { 'data-call-id': call.callId },
        el('td', {}, el('code', {}, call.callId)),
        el('td', { 'data-field': 'state' }, call.state),
        el('td', {}, a ? a.userId : '–'),
        el('td', {}, b ? b.userId : '–'),
        el('td', {}, durationText(call, now)),
        el('td', {}, qualityText(a && a.quality)),
        el('td', {}, qualityText(b && b.quality)),
        el('td', {}, open));
    });
    fill(this.body, ...rows);
    this.count.textContent = `(${this.calls.length})`;
    this.empty.hidden = this.calls.length > 0;
  }
}
