// Plays one party's HTTP-FLV URL (`parties.x.playFlvUrl` of a call, docs/api.md) with mpegts.js at low latency.
// Usage: index.html?src=<URL-encoded playFlvUrl>
'use strict';

(function () {
  const video = document.getElementById('video');
  const statusText = document.getElementById('status');
  const latencyText = document.getElementById('latency');

  // The buffer settings follow what the call's <live-player mode="RTC"> uses (min-cache 0.2 s, max-cache 0.8 s):
  // play as soon as data arrives and never let the buffer grow past about a second.
  const lowLatency = {
    enableStashBuffer: false,          // hand every FLV tag to MSE at once (the stash buffer smooths VOD, adds delay)
    lazyLoad: false,                   // a live stream is never paused for being "far ahead"
    deferLoadAfterSourceOpen: false,   // start the HTTP request before MediaSource opens
    autoCleanupSourceBuffer: true,     // long calls: drop played media from the SourceBuffer
    autoCleanupMaxBackwardDuration: 30,
    autoCleanupMinBackwardDuration: 15,
    liveSync: true,                    // behind by more than 0.6 s: play at 1.2x until 0.3 s behind
    liveSyncMaxLatency: 0.6,
    liveSyncTargetLatency: 0.3,
    liveSyncPlaybackRate: 1.2,
    liveBufferLatencyChasing: true,    // behind by more than 1.0 s (a stall): jump to 0.3 s before the live edge
    liveBufferLatencyMaxLatency: 1.0,
    liveBufferLatencyMinRemain: 0.3,
  };

  const maxRetries = 10;               // reconnects in a row before giving up (the call has probably ended)
  let retries = 0;
  let player = null;
  let retryTimer = null;

  // Read by a test or a curious developer: what the page did.
  window.webPlayer = { events: [], retries: 0, state: 'starting' };

  function show(state, detail) {
    window.webPlayer.state = state;
    statusText.textContent = detail ? state + ': ' + detail : state;
  }

  function log(text) {
    window.webPlayer.events.push(text);
  }

  const src = new URLSearchParams(location.search).get('src');
  if (!src || !/^https?:\/\/[^ ]+\.flv(\?|$)/.test(src)) {
    show('error', 'open this page with ?src=<URL-encoded HTTP-FLV play URL>');
    return;
  }
  if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
    show('error', 'this browser cannot play live FLV (no Media Source Extensions)');
    return;
  }

  function start() {
    retryTimer = null;
    show(retries ? 'reconnecting' : 'connecting');
    player = mpegts.createPlayer({ type: 'flv', isLive: true, url: src }, lowLatency);
    player.on(mpegts.Events.ERROR, (type, detail, info) => {
      log('error ' + type + ' ' + detail + ' ' + JSON.stringify(info));
      // 403/404: the relay refuses the signed URL (the call ended, the URL expired or is wrong); retrying cannot help.
      if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && info && (info.code === 403 || info.code === 404)) {
        stop();
        show('stopped', 'the play URL was refused (HTTP ' + info.code + '): the call has ended or the URL expired');
        return;
      }
      restart(type + ' ' + detail);
    });
    // A live HTTP-FLV response ends when the publisher leaves (or the call ends): try again, a few times.
    player.on(mpegts.Events.LOADING_COMPLETE, () => {
      log('loading complete');
      restart('stream ended');
    });
    player.on(mpegts.Events.MEDIA_INFO, info => {
      log('media ' + info.mimeType);
      retries = 0;
      show('playing', (info.width || '?') + 'x' + (info.height || '?'));
    });
    player.attachMediaElement(video);
    player.load();
    const playing = video.play();
    if (playing) playing.catch(e => log('play() ' + e));
  }

  function restart(reason) {
    if (retryTimer !== null) return;
    stop();
    if (retries >= maxRetries) {
      show('stopped', reason + ' (gave up after ' + maxRetries + ' reconnects)');
      return;
    }
    retries++;
    window.webPlayer.retries++;
    const delayMs = Math.min(8000, 500 * Math.pow(2, retries - 1));
    show('waiting', reason + ', retry in ' + (delayMs / 1000) + ' s');
    retryTimer = setTimeout(start, delayMs);
  }

  function stop() {
    if (!player) return;
    player.pause();
    player.unload();
    player.detachMediaElement();
    player.destroy();
    player = null;
  }

  // Latency as the viewer sees it: media buffered ahead of what is shown (the relay adds little on top).
  setInterval(() => {
    const ranges = video.buffered;
    if (!ranges.length) return;
    const ahead = ranges.end(ranges.length - 1) - video.currentTime;
    window.webPlayer.bufferedAhead = ahead;
    latencyText.textContent = ahead.toFixed(2) + ' s';
  }, 500);

  document.getElementById('unmute').addEventListener('click', e => {
    video.muted = !video.muted;
    e.target.textContent = video.muted ? 'Unmute' : 'Mute';
  });

  start();
})();
