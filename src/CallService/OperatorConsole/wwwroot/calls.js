// The live calls table: GET /v1/calls?state=active every two seconds (docs/api.md).

import { api } from './api.js';
import { el } from './dom.js';
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
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.refresh();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  async refresh() {
    clearTimeout(this.timer);
    if (!this.running) return;
    try {
      const list = await api('/v1/calls?state=active');
      if (!this.running) return;
      this.calls = Array.isArray(list && list.calls) ? list.calls : [];
      this.render();
      this.onList(this.calls);
    } catch (error) {
      if (!this.running) return; // stopped meanwhile (e.g. the key was refused): nothing to report
      this.onError(error);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), refreshMs);
  }

  find(callId) {
    return this.calls.find(c => c.callId === callId) || null;
  }

  /** Updates the rows in place (a focused "Watch" button keeps its focus), adds new calls, removes ended ones. */
  render() {
    const now = Date.now();
    const existing = new Map([...this.body.rows].map(row => [row.dataset.callId, row]));
    const rows = this.calls.map(call => {
      const row = existing.get(call.callId) || this.newRow(call);
      existing.delete(call.callId);
      const a = call.parties && call.parties.a;
      const b = call.parties && call.parties.b;
      const cells = row.cells;
      cells[1].textContent = call.state;
      cells[2].textContent = a ? a.userId : '–';
      cells[3].textContent = b ? b.userId : '–';
      cells[4].textContent = durationText(call, now);
      cells[5].textContent = qualityText(a && a.quality);
      cells[6].textContent = qualityText(b && b.quality);
      return row;
    });
    for (const gone of existing.values()) gone.remove();
    rows.forEach((row, i) => {
      if (this.body.rows[i] !== row) this.body.insertBefore(row, this.body.rows[i] || null);
    });
    this.count.textContent = `(${this.calls.length})`;
    this.empty.hidden = this.calls.length > 0;
  }

  newRow(call) {
    const callId = call.callId;
    const open = el('button', { type: 'button', 'data-action': 'open', 'aria-label': `Watch call ${callId}` }, 'Watch');
    open.addEventListener('click', () => this.onOpen(this.find(callId) || call));
    return el('tr', { 'data-call-id': callId },
      el('td', {}, el('code', {}, callId)),
      el('td', { 'data-field': 'state' }), el('td', {}), el('td', {}), el('td', {}), el('td', {}), el('td', {}),
      el('td', {}, open));
  }
}
