// Home page: shows whether incoming calls can reach this phone, and starts a call (POST /v1/calls as the caller).
const app = getApp();

Page({
  data: { status: 'offline', callee: '', error: null },

  onShow() {
    this.setData({ status: app.calls.status });
    this.unsubscribe = app.calls.onStatus(status => this.setData({ status }));
  },

  onHide() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
  },

  onUnload() {
    this.onHide();
  },

  onCalleeInput(e) {
    this.setData({ callee: e.detail.value.trim() });
  },

  onReconnect() {
    app.calls.start();
  },

  onCall() {
    // One key per call the user starts: a retry after a lost answer returns the same call instead of a second one.
    const key = Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
    this.setData({ error: null });
    app.calls.client.createCall({ callee: { userId: this.data.callee }, scenario: 'general', ring: true }, key).then(
      call => {
        if (call.state === 'ended') return this.setData({ error: call.endReason === 'busy' ? 'Busy' : 'Call ended' });
        app.calls.expectCall(call.callId);
        wx.navigateTo({ url: '/pages/call/call?callId=' + encodeURIComponent(call.callId) });
      },
      e => this.setData({ error: e.message }));
  },
});
