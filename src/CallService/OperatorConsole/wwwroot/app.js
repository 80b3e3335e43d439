// The operator console's entry point (docs/console.md): the API key form, then live calls, the open call and records.

import { api, apiKey, segment, whenUnauthorized } from './api.js';
import { CallDetail } from './detail.js';
import { LiveCalls } from './calls.js';
import { RecordsSearch } from './records.js';

const $ = id => document.getElementById(id);

// What the page saw, for a curious operator or a test: Content-Security-Policy violations (there should be none).
const state = { violations: [] };
window.operatorConsole = state;
document.addEventListener('securitypolicyviolation', e => state.violations.push(`${e.violatedDirective} ${e.blockedURI}`));

const status = text => { $('status').textContent = text; };

const detail = new CallDetail({
  section: $('detail'),
  onStatus: status,
  onEnded: () => live.refresh(),
});

const live = new LiveCalls({
  table: $('calls'),
  count: $('live-count'),
  empty: $('calls-empty'),
  onOpen: call => detail.open(call),
  onList: calls => {
    if (!detail.callId) return;
    const open = calls.find(c => c.callId === detail.callId);
    if (open) detail.update(open);
    else detail.left();
  },
  onError: error => status(`Live calls: ${error.message}`),
});

new RecordsSearch({
  form: $('records-form'),
  table: $('records-table'),
  empty: $('records-empty'),
  next: $('records-next'),
  onStatus: status,
  onOpen: async callId => {
    try {
      detail.open(await api(`/v1/calls/${segment(callId)}`));
    } catch (error) {
      status(`Could not open call ${callId}: ${error.message}`);
    }
  },
});

function showConsole(open) {
  $('key-section').hidden = open;
  $('console').hidden = !open;
  $('forget-key').hidden = !open;
  if (open) {
    live.start();
  } else {
    live.stop();
    detail.close();
  }
}

$('key-form').addEventListener('submit', event => {
  event.preventDefault();
  const input = $('api-key');
  const key = input.value.trim();
  input.value = '';
  if (!key) return;
  apiKey.set(key);
  status('');
  showConsole(true);
});

$('forget-key').addEventListener('click', () => {
  apiKey.clear();
  showConsole(false);
  status('The API key was forgotten.');
});

whenUnauthorized(() => {
  apiKey.clear();
  showConsole(false);
  status('The API key was refused (401): enter it again.');
});

showConsole(Boolean(apiKey.get()));
