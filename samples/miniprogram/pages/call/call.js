// The call page: all call logic is in lib/callSession.js (tested in node); this file only wires the page to it.
const app = getApp();

Page({
  data: {
    phase: 'joining',
    caller: null,
    peerUserId: null,
    pusher: null,
    player: null,
    connected: false,
    recording: false,
    recordingReason: null,
    peerWarning: null,
    endText: null,
    error: null,
  },

  onLoad(options) {
    this.callId = options.callId;
    this.session = app.calls.openSession(this.callId, {
      page: this,
      userId: wx.getStorageSync('userId') || undefined,
      onChange: changes => this.setData(changes),
      onClose: (reason, text) => {
        wx.showToast({ title: text, icon: 'none' });
        wx.navigateBack({ fail: () => wx.reLaunch({ url: '/pages/index/index' }) });
      },
    });
    this.session.join();
  },

  onUnload() {
    // Back button or navigateBack: leaving a running call hangs it up (nothing is sent once it has ended).
    this.session.unload();
    app.calls.closeSession(this.callId);
  },

  onAccept() { this.session.accept(); },
  onReject() { this.session.reject(); },
  onHangup() { this.session.hangup(); },
  onPusherStateChange(e) { this.session.onPusherStateChange(e); },
  onPlayerStateChange(e) { this.session.onPlayerStateChange(e); },
  onPusherError(e) { this.session.onError(e); },
});
