// The browser party's call page (docs/webrtc.md): camera + microphone published by WHIP, the peer played by WHEP
// (RFC 9725), the call followed on the realtime channel (/v1/ws) with a polling fallback. State for people and tests:
// #call-state = connecting | connected | ended, #frames-decoded = the peer's video frames decoded so far.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  const callId = query.get('callId') || '';
  const token = query.get('token') || '';
  const page = { state: 'connecting', reason: null, sessions: [], peers: [], ended: false, callState: null, socket: null };
  window.callPage = page; // for tests and debugging

  const say = text => { $('status').textContent = text; };
  const setState = state => { page.state = state; $('call-state').textContent = state; };

  async function api(method, path, body, contentType) {
    const headers = { Authorization: 'Bearer ' + token };
    if (contentType) headers['Content-Type'] = contentType;
    const response = await fetch(path, { method, headers, body, keepalive: method === 'DELETE' });
    if (!response.ok) {
      let detail = response.status + ' ' + response.statusText;
      try { const p = await response.json(); detail = p.detail || p.title || detail; } catch { /* not JSON */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  // RFC 9725 §4.6: Link: <turn:host?transport=udp>; rel="ice-server"; username="u"; credential="p"
  function iceServers(response) {
    const servers = [];
    for (const link of (response.headers.get('Link') || '').split(/,(?=\s*<)/)) {
      const url = /<([^>]+)>/.exec(link);
      if (!url || !/rel="ice-server"/.test(link)) continue;
      const server = { urls: url[1] };
      const user = /username="((?:[^"\\]|\\.)*)"/.exec(link);
      const credential = /credential="((?:[^"\\]|\\.)*)"/.exec(link);
      if (user) server.username = user[1].replace(/\\(.)/g, '$1');
      if (credential) server.credential = credential[1].replace(/\\(.)/g, '$1');
      servers.push(server);
    }
    return servers;
  }

  // H.264 packetization-mode 1 first, constrained baseline (42e01f) before the rest: what the relay side carries.
  function preferH264(transceiver) {
    if (!RTCRtpReceiver.getCapabilities || !transceiver.setCodecPreferences) return;
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    const rank = c => c.mimeType !== 'video/H264' ? 3
      : !/packetization-mode=1/.test(c.sdpFmtpLine || '') ? 2
      : /profile-level-id=42e01f/.test(c.sdpFmtpLine || '') ? 0 : 1;
    const h264 = codecs.filter(c => rank(c) < 2).sort((a, b) => rank(a) - rank(b));
    if (h264.length) transceiver.setCodecPreferences(h264);
  }

  function gathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise(resolve => {
      const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 3000); // what was gathered by then goes in the offer (the gateway does not trickle)
    });
  }

  async function negotiate(pc, url) {
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const response = await api('POST', url, pc.localDescription.sdp, 'application/sdp');
      const location = response.headers.get('Location');
      if (location) page.sessions.push(location);
      await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    } catch (e) {
      page.peers = page.peers.filter(p => p !== pc);
      pc.close();
      throw e;
    }
  }

  function newPeer(servers) {
    const pc = new RTCPeerConnection({ iceServers: servers, bundlePolicy: 'max-bundle' });
    page.peers.push(pc);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') say('media connection failed');
      update();
    });
    return pc;
  }

  async function publish(whipUrl, servers, stream) {
    const pc = newPeer(servers);
    for (const track of stream.getTracks()) {
      const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (track.kind === 'video') preferH264(t);
    }
    await negotiate(pc, whipUrl);
    return pc;
  }

  async function play(whepUrl, servers) {
    const pc = newPeer(servers);
    preferH264(pc.addTransceiver('video', { direction: 'recvonly' }));
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const remote = new MediaStream();
    pc.addEventListener('track', e => remote.addTrack(e.track));
    await negotiate(pc, whepUrl);
    $('remote').srcObject = remote;
    page.player = pc;
    return pc;
  }

  const sleep = ms => new Promise(r => setTimeout(r, ms));

  // A session that cannot start (503: busy server) or whose connection fails later is made again, a few times: the
  // server replaces the party's previous session of the same direction. Client errors (4xx) are not retried.
  async function keep(open, restarts = 0) {
    for (let attempt = 1; attempt <= 3 && !page.ended; attempt++) {
      let pc = null;
      try {
        pc = await open();
      } catch (e) {
        if (e.status && e.status < 500) throw e;
        say(e.message + ' (retrying)');
        await sleep(1000 * attempt);
        continue;
      }
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState !== 'failed' || page.ended || restarts >= 3) return;
        page.peers = page.peers.filter(p => p !== pc);
        pc.close();
        keep(open, restarts + 1).catch(e => say(e.message));
      });
      return;
    }
  }

  async function framesDecoded() {
    if (!page.player) return 0;
    let frames = 0;
    (await page.player.getStats()).forEach(s => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
    });
    return frames;
  }

  function update() {
    if (page.ended) return;
    const mediaUp = page.peers.length === 2 && page.peers.every(pc => pc.connectionState === 'connected');
    setState(mediaUp && page.callState === 'connected' ? 'connected' : 'connecting');
  }

  function end(reason) {
    if (page.ended) return;
    page.ended = true;
    page.reason = reason;
    for (const pc of page.peers) pc.close();
    const local = $('local').srcObject;
    if (local) local.getTracks().forEach(t => t.stop());
    for (const session of page.sessions) api('DELETE', session).catch(() => { /* ended with the call already */ });
    page.sessions = [];
    if (page.socket) page.socket.close();
    $('hangup').disabled = true;
    $('recording').hidden = true;
    setState('ended');
    say('call ended' + (reason ? ' (' + reason + ')' : ''));
  }

  function applyCall(call) {
    page.callState = call.state;
    if (call.state === 'ended') end(call.endReason);
    else update();
  }

  function listen() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const socket = new WebSocket(scheme + location.host + '/v1/ws?token=' + encodeURIComponent(token));
    page.socket = socket;
    socket.addEventListener('message', m => {
      let event;
      try { event = JSON.parse(m.data); } catch { return; }
      if (event.callId !== callId) return;
      const data = event.data || {};
      if (event.type === 'call.connected') { page.callState = 'connected'; update(); }
      else if (event.type === 'call.ended') end(data.reason);
      else if (event.type === 'call.recording') $('recording').hidden = data.state !== 'started';
    });
  }

  async function poll() {
    while (!page.ended) {
      try {
        applyCall(await (await api('GET', '/v1/calls/' + encodeURIComponent(callId))).json());
      } catch (e) {
        if (e.status === 404 || e.status === 403) end('gone');
      }
      $('frames-decoded').textContent = String(await framesDecoded());
      await new Promise(r => setTimeout(r, page.callState === 'connected' ? 1000 : 500));
    }
  }

  async function hangUp() {
    $('hangup').disabled = true;
    try {
      applyCall(await (await api('POST', '/v1/calls/' + encodeURIComponent(callId) + '/hangup')).json());
    } catch (e) {
      say('hang-up failed: ' + e.message);
      $('hangup').disabled = false;
      return;
    }
    end('hangup');
  }

  async function start() {
    $('hangup').addEventListener('click', hangUp);
    if (!callId || !token) { say('open this page as /call?callId=…&token=…'); end('no call'); return; }
    try {
      const call = await (await api('GET', '/v1/calls/' + encodeURIComponent(callId))).json();
      applyCall(call);
      if (page.ended) return;
      const own = [call.parties.a, call.parties.b].find(p => p.pushUrl);
      if (!own) { say('this call has not been accepted yet'); return; }
      if (!own.webrtc) { say('this server does not offer WebRTC'); return; }
      listen();
      setInterval(async () => { $('frames-decoded').textContent = String(await framesDecoded()); }, 250);
      poll();
      const servers = iceServers(await api('OPTIONS', own.webrtc.whipUrl));
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      $('local').srcObject = stream;
      if (page.ended) { stream.getTracks().forEach(t => t.stop()); return; }
      await keep(() => publish(own.webrtc.whipUrl, servers, stream));
      await keep(() => play(own.webrtc.whepUrl, servers));
      say('');
    } catch (e) {
      say(e.message);
      if (e.status === 409) end('call_ended');
    }
  }

  window.addEventListener('pagehide', () => {
    for (const session of page.sessions) api('DELETE', session).catch(() => {});
  });
  start();
})();
