using PuppeteerSharp;

namespace TestSupport.Browsers;

/// <summary>
/// Debian's headless chromium (<c>/usr/bin/chromium</c>, installed by test.sh; never a downloaded browser) launched by
/// PuppeteerSharp the same way for every browser test (the mpegts.js player test, the web-player sample, the operator
/// console, the API reference, the browser party). Part of the TestSupport project that the test projects reference.
/// </summary>
public static class HeadlessChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>
    /// Root (CI) needs <c>--no-sandbox</c>; media autoplays muted without a user gesture; a headless page is never in
    /// the background, so no timer or renderer throttling slows playback down.
    /// </summary>
    private static readonly string[] Arguments =
    [
        "--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
    ];

    /// <summary>A camera and a microphone without a device or a permission prompt (a browser party joining by WebRTC).</summary>
    public static readonly string[] FakeMediaDevices =
        ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection"];

    /// <summary>
    /// Starts the browser with the common arguments plus <paramref name="extraArguments"/>; fails the test with a hint
    /// when chromium is not installed.
    /// </summary>
    public static Task<IBrowser> LaunchAsync(params string[] extraArguments)
    {
        Assert.True(File.Exists(ExecutablePath), $"{ExecutablePath} is missing: run test.sh (it installs Debian's chromium)");
        return Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ExecutablePath, Headless = true, Args = [.. Arguments, .. extraArguments],
        });
    }
}
