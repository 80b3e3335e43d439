// Call records search: GET /v1/records?userId=&from=&to=&limit=&cursor= (docs/api.md), newest first, page by page.

import { api } from './api.js';
import { el, fill, formatDuration, formatTime } from './dom.js';

export class RecordsSearch {
  constructor({ form, table, empty, next, onOpen, onStatus }) {
    this.form = form;
    this.table = table;
    this.empty = empty;
    this.next = next;
    this.onOpen = onOpen;
    this.onStatus = onStatus;
    this.query = null;
    this.cursor = null;
    form.addEventListener('submit', event => {
      event.preventDefault();
      this.search();
    });
    next.addEventListener('click', () => this.load(false));
  }

  /** Runs the form's search from its first page. */
  search() {
    const data = new FormData(this.form);
    const query = new URLSearchParams();
    const userId = String(data.get('userId') || '').trim();
    if (userId) query.set('userId', userId);
    for (const name of ['from', 'to']) {
      const value = String(data.get(name) || '');
      if (!value) continue;
      const date = new Date(value); // datetime-local is the operator's local time
      if (Number.isNaN(date.getTime())) return this.onStatus(`"${name}" is not a date`);
      query.set(name, date.toISOString());
    }
    const limit = String(data.get('limit') || '');
    if (limit) query.set('limit', limit);
    this.query = query;
    this.cursor = null;
    return this.load(true);
  }

  async load(first) {
    const query = new URLSearchParams(this.query);
    if (!first && this.cursor) query.set('cursor', this.cursor);
    try {
      const page = await api(`/v1/records?${query}`);
      const records = Array.isArray(page && page.records) ? page.records : [];
      this.render(records);
      this.cursor = page.nextCursor || null;
      this.next.hidden = !this.cursor;
      this.onStatus(`${records.length} record${records.length === 1 ? '' : 's'}${this.cursor ? ', more on the next page' : ''}.`);
    } catch (error) {
      const fields = error.problem && error.problem.errors ? Object.entries(error.problem.errors)
        .map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`).join('; ') : '';
      this.onStatus(`Records search failed: ${error.message}${fields ? ` (${fields})` : ''}`);
    }
  }

  render(records) {
    fill(this.table.tBodies[0], ...records.map(r => {
      const open = el('button', { type: 'button', 'aria-label': `Details of call ${r.callId}` }, 'Details');
      open.addEventListener('click', () => this.onOpen(r.callId));
      return el('tr', { 'data-call-id': r.callId },
        el('td', {}, el('code', {}, r.callId)),
        el('td', {}, formatTime(r.createdAt)),
        el('td', {}, r.callerUserId),
        el('td', {}, r.calleeUserId),
        el('td', { 'data-field': 'state' }, r.state),
        el('td', {}, formatDuration(r.durationSeconds)),
        el('td', { 'data-field': 'endReason' }, r.endReason || '–'),
        el('td', { 'data-field': 'endedBy' }, r.endedBy || '–'),
        el('td', {}, r.code === null || r.code === undefined ? '–' : r.code),
        el('td', {}, open));
    }));
    this.table.hidden = records.length === 0;
    this.empty.hidden = records.length > 0;
  }
}
