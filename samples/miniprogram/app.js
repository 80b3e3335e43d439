const config = require('./config.js');
const { createCallApp } = require('./lib/callApp.js');

App({
  onLaunch() {
    // One realtime socket for the whole mini-program: an incoming call opens the call page from any page.
    this.calls = createCallApp({
      wx,
      config,
      // How your backend knows the user: replace with your own login (e.g. wx.login → your session).
      backendHeader: () => ({ Authorization: 'Bearer ' + (wx.getStorageSync('backendSession') || '') }),
    });
    this.calls.start();
  },
});
