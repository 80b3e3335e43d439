'use strict';

const { ApiError, realTimers } = require('./http.js');
const { bindPartyView, roleIn } = require('./partyView.js');
const { createStatusReporter } = require('./statusReporter.js');

/** What the page shows when the call ends (`endReason` of docs/api.md, plus the page's own outcomes). */
const END_TEXT = {
  hangup: 'Call ended', rejected: 'Call declined', cancelled: 'Call cancelled', no_answer: 'No answer',
  busy: 'Busy', client_terminal_code: 'Connection lost', media_timeout: 'Could not connect',
  media_lost: 'Connection lost', max_duration: 'Time limit reached', service_restart: 'Call interrupted',
  answered_elsewhere: 'Answered on another device',
};

/**
 * One call as the call page lives it. Pure logic: the page passes `wx`, feeds it realtime events (`handleEvent`),
 * component events (`onPusherStateChange`, `onPlayerStateChange`, `onError`) and taps (`accept`, `reject`,
 * `hangup`), and renders what `onChange` hands it (`setData`).
 *
 * Phases: `joining` (fetching the call) → `incoming` (callee, ringing) | `calling` (caller, ringing) →
 * `in_call` (pusher and player bound) → `ended`. The page closes (`onClose(reason)`) when the service answers a
 * status report with `action: "hangup"`, on `call.ended`, or after this party's own hang-up/reject.
 *
 * @param {object} options
 * @param {object} options.wx the wx API object (`createLivePusherContext`, `createLivePlayerContext`,
 *   `setKeepScreenOn`)
 * @param {object} options.client see callClient.js
 * @param {string} options.callId
 * @param {string} [options.userId] this user (tells a ringing callee from the caller when the call has no URLs)
 * @param {object} [options.page] the page instance, for `wx.createLivePlayerContext(id, page)`
 * @param {(data: object) => void} options.onChange the changed fields, for `page.setData`
 * @param {(reason: string, text: string) => void} options.onClose leave the page
 * @param {object} [options.timers]
 * @param {object} [options.reporter] status reporter options (`flushIntervalMs`, `maxBatch`)
 */
function createCallSession({ wx, client, callId, userId, page, onChange, onClose, timers = realTimers, reporter = {} }) {
  const state = {
    callId, phase: 'joining', role: null, caller: null, peerUserId: null, scenario: null,
    pusher: null, player: null, connected: false, recording: false, recordingReason: null,
    peerWarning: null, endReason: null, endText: null, error: null,
  };
  let closed = false;
  let accepting = false; // this page asked to accept (call.accepted while ringing otherwise means another device did)
  let warningTimer = null;
  const status = createStatusReporter(Object.assign({}, reporter, {
    client, callId, timers,
    onAction: (action, answer) => {
      if (action === 'hangup') close((answer && answer.call && answer.call.endReason) || 'hangup');
    },
  }));

  function set(changes) {
    Object.assign(state, changes);
    onChange(changes);
  }

  function bind(view, role, peerUserId) {
    const bound = bindPartyView(view);
    if (!bound) return false;
    if (state.phase !== 'in_call') wx.setKeepScreenOn({ keepScreenOn: true });
    set({ phase: 'in_call', role, peerUserId: peerUserId || state.peerUserId, pusher: bound.pusher, player: bound.player });
    return true;
  }

  /** Applies a call object (GET, accept): ended → close; URLs → in call; ringing without URLs → incoming. */
  function applyCall(call) {
    if (call.state === 'ended') return close(call.endReason || 'hangup');
    const role = roleIn(call, userId);
    const peer = role === 'a' ? call.parties.b.userId : call.parties.a.userId;
    if (call.state === 'ringing' && role === 'a') return set({ phase: 'calling', role, peerUserId: peer, scenario: call.scenario });
    if (role && bind(call.parties[role], role, peer)) return;
    if (call.state === 'ringing') set({ phase: 'incoming', role: 'b', caller: call.parties.a.userId, scenario: call.scenario });
  }

  function close(reason) {
    if (closed) return;
    closed = true;
    status.stop();
    if (warningTimer !== null) timers.clearTimeout(warningTimer);
    if (state.pusher) {
      wx.createLivePusherContext().stop();
      wx.createLivePlayerContext('player', page).stop();
      wx.setKeepScreenOn({ keepScreenOn: false });
    }
    set({ phase: 'ended', endReason: reason, endText: END_TEXT[reason] || 'Call ended', recording: false });
    onClose(reason, state.endText);
  }

  /** Runs a party action; an ended call (409 `call_ended`, 404) closes the page, other errors are shown. */
  async function act(action, after) {
    if (closed) return;
    try {
      const call = await client[action](callId);
      if (!closed) after(call);
    } catch (e) {
      if (closed) return;
      if (e instanceof ApiError && (e.rule === 'call_ended' || e.status === 404)) close('hangup');
      else set({ error: e.message });
    }
  }

  const events = {
    'call.incoming': data => { if (state.phase === 'joining') set({ phase: 'incoming', role: 'b', caller: data.caller, scenario: data.scenario }); },
    'call.accepted': data => {
      // Every socket of the user gets it: a ringing page that did not accept leaves the call to the device that did.
      if (state.phase === 'incoming' && !accepting) return close('answered_elsewhere');
      bind(data.view, data.role, data.peerUserId);
    },
    'call.connected': () => set({ connected: true }),
    'call.ended': data => close(data.reason),
    'call.recording': data => set({ recording: data.state === 'started', recordingReason: data.reason || null }),
    'call.peer_warning': data => {
      if (warningTimer !== null) timers.clearTimeout(warningTimer);
      set({ peerWarning: { code: data.code, component: data.component } });
      warningTimer = timers.setTimeout(() => { warningTimer = null; set({ peerWarning: null }); }, 5000);
    },
  };

  return {
    /** Fetches the call (the page was opened with `?callId=`); events that arrived meanwhile are already applied. */
    join: () => client.getCall(callId).then(
      call => { if (!closed && state.phase === 'joining') applyCall(call); },
      e => { if (!closed) set({ error: e.message }); }),
    /** A realtime event of this call (other calls' events are ignored). */
    handleEvent(event) {
      if (closed || event.callId !== callId || !events[event.type]) return;
      events[event.type](event.data || {});
    },
    accept() {
      accepting = true;
      return act('accept', call => applyCall(call));
    },
    reject: () => act('reject', () => close('rejected')),
    /**
     * This party hangs up (the caller of a ringing call cancels it); the page closes even when the request fails
     * (the service's media timers end the call once the pusher stops).
     */
    hangup() {
      if (closed) return Promise.resolve();
      const calling = state.phase === 'calling';
      return client[calling ? 'cancel' : 'hangup'](callId).catch(() => null).then(() => close(calling ? 'cancelled' : 'hangup'));
    },
    /** `<live-pusher bindstatechange>`: `e.detail.code`. */
    onPusherStateChange: e => status.report('pusher', e.detail.code, e.detail.message),
    /** `<live-player bindstatechange>`: `e.detail.code`. */
    onPlayerStateChange: e => status.report('player', e.detail.code, e.detail.message),
    /** `binderror` of either component: `e.detail.errCode` (10001 camera, 10002 microphone denied). */
    onError: e => status.report('error', e.detail.errCode, e.detail.errMsg),
    /** The page unloads (back button): leaving a call hangs it up; leaving a ringing call declines/cancels it. */
    unload() {
      if (closed) return;
      const action = { incoming: 'reject', calling: 'cancel' }[state.phase] || 'hangup';
      const leave = client[action](callId);
      leave.catch(() => null);
      closed = true;
      status.stop();
    },
    get state() { return Object.assign({}, state); },
  };
}

module.exports = { createCallSession, END_TEXT };
