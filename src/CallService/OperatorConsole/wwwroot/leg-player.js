// Plays one leg of a call (its HTTP-FLV play URL, docs/api.md) in a <video> with the vendored mpegts.js at low latency,
// as samples/web-player does. The video element's data-state says what the player does (read by tests, styled by CSS).

const mpegts = globalThis.mpegts;

// The call's own <live-player mode="RTC"> keeps 0.2–0.8 s of cache: play as data arrives, chase the live edge.
const lowLatency = {
  enableStashBuffer: false,
  lazyLoad: false,
  deferLoadAfterSourceOpen: false,
  autoCleanupSourceBuffer: true,
  autoCleanupMaxBackwardDuration: 30,
  autoCleanupMinBackwardDuration: 15,
  liveSync: true,
  liveSyncMaxLatency: 0.6,
  liveSyncTargetLatency: 0.3,
  liveSyncPlaybackRate: 1.2,
  liveBufferLatencyChasing: true,
  liveBufferLatencyMaxLatency: 1.0,
  liveBufferLatencyMinRemain: 0.3,
};

const maxRetries = 8;

/** One leg's player; `onState(state, detail)` hears every change. Call stop() when the leg is no longer shown. */
export class LegPlayer {
  constructor(video, onState) {
    this.video = video;
    this.onState = onState;
    this.player = null;
    this.url = null;
    this.requested = undefined; // what play() was last asked for (null: no URL yet); undefined after stop()
    this.retries = 0;
    this.timer = null;
  }

  /**
   * Plays `url` (a signed HTTP-FLV play URL), or shows why it cannot. The same URL again changes nothing, also after
   * the player gave up (stop() first to try again).
   */
  play(url) {
    if (url === this.requested) return;
    this.stop();
    this.requested = url;
    this.url = url;
    this.retries = 0;
    if (!url) return this.show('waiting', 'no play URL yet (the party has not been given its URLs)');
    if (!mpegts || !mpegts.getFeatureList().mseLivePlayback) return this.show('error', 'this browser cannot play live FLV');
    this.start();
  }

  start() {
    this.timer = null;
    this.show(this.retries ? 'reconnecting' : 'connecting', '');
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: this.url }, lowLatency);
    this.player = player;
    player.on(mpegts.Events.ERROR, (type, detail, info) => {
      // 403/404: the relay refuses the URL (the call ended or the URL expired); retrying cannot help.
      if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && info && (info.code === 403 || info.code === 404)) {
        this.teardown();
        this.show('stopped', `the play URL was refused (HTTP ${info.code})`);
        return;
      }
      this.retry(`${type} ${detail}`);
    });
    player.on(mpegts.Events.LOADING_COMPLETE, () => this.retry('stream ended'));
    player.on(mpegts.Events.MEDIA_INFO, info => {
      this.retries = 0;
      this.show('playing', `${info.width || '?'}×${info.height || '?'}`);
    });
    player.attachMediaElement(this.video);
    player.load();
    const started = this.video.play();
    if (started) started.catch(() => {});
  }

  retry(reason) {
    if (this.timer !== null) return;
    this.teardown();
    if (this.retries >= maxRetries) return this.show('stopped', `${reason} (gave up)`);
    this.retries++;
    const delayMs = Math.min(8000, 500 * 2 ** (this.retries - 1));
    this.show('waiting', `${reason}, retry in ${delayMs / 1000} s`);
    this.timer = setTimeout(() => this.start(), delayMs);
  }

  teardown() {
    if (!this.player) return;
    const player = this.player;
    this.player = null;
    try {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    } catch {
      // a player torn down mid-load may throw; it is gone either way
    }
  }

  /** Stops playing and clears the picture. */
  stop() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.teardown();
    this.url = null;
    this.requested = undefined;
    this.video.removeAttribute('src');
    this.video.load();
    this.show('idle', '');
  }

  show(state, detail) {
    this.video.dataset.state = state;
    this.onState(state, detail);
  }
}
