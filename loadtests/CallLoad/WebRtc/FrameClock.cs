namespace CallLoad.WebRtc;

/// <summary>
/// A wall-clock time burned into a video frame as a grid of 8 × 6 large black/white cells (one bit each) on a
/// 320 × 240 picture, so it survives H.264 at any sensible bit rate and any scaling: 44 bits of Unix milliseconds
/// (modulo 2^44) and a 4-bit checksum (sum of the 11 nibbles, modulo 16). The same layout is drawn and read by
/// <see cref="BrowserFrameClock"/>'s JavaScript in the browser.
/// </summary>
public static class FrameClock
{
    public const int Width = 320;
    public const int Height = 240;
    public const int Columns = 8;
    public const int Rows = 6;
    private const int ValueBits = 44;
    private const long Modulus = 1L << ValueBits;
    private const byte Black = 16;
    private const byte White = 235;

    /// <summary>Milliseconds since the Unix epoch, modulo 2^44 (what a frame carries).</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % Modulus;

    /// <summary>Milliseconds from <paramref name="stamp"/> to now; null across the 2^44 wrap.</summary>
    public static double? Since(long stamp) => Now() - stamp is var d and >= 0 and < 60_000 ? d : null;

    /// <summary>Writes <paramref name="millis"/> into a grey (8-bit luma) 320 × 240 frame.</summary>
    public static void Draw(Span<byte> gray, long millis)
    {
        var bits = Bits(millis % Modulus);
        int cellW = Width / Columns, cellH = Height / Rows;
        for (var y = 0; y < Height; y++)
        for (var c = 0; c < Columns; c++)
            gray.Slice(y * Width + c * cellW, cellW).Fill(bits[y / cellH * Columns + c] ? White : Black);
    }

    /// <summary>Reads the time from a grey frame of any size (cells are sampled at their centres); null when the
    /// checksum does not match (a frame torn by a decoder, or not a clock frame).</summary>
    public static long? Read(ReadOnlySpan<byte> gray, int width, int height)
    {
        var bits = new bool[Columns * Rows];
        for (var i = 0; i < bits.Length; i++)
        {
            var x = (2 * (i % Columns) + 1) * width / (2 * Columns);
            var y = (2 * (i / Columns) + 1) * height / (2 * Rows);
            var sum = 0;
            for (var dy = -2; dy <= 2; dy++)
            for (var dx = -2; dx <= 2; dx++)
                sum += gray[(y + dy) * width + x + dx];
            bits[i] = sum / 25 > 128;
        }
        long value = 0;
        for (var i = 0; i < ValueBits; i++)
            if (bits[i]) value |= 1L << i;
        var checksum = 0;
        for (var i = 0; i < 4; i++)
            if (bits[ValueBits + i]) checksum |= 1 << i;
        return checksum == Checksum(value) ? value : null;
    }

    private static bool[] Bits(long value)
    {
        var bits = new bool[Columns * Rows];
        for (var i = 0; i < ValueBits; i++) bits[i] = ((value >> i) & 1) == 1;
        var checksum = Checksum(value);
        for (var i = 0; i < 4; i++) bits[ValueBits + i] = ((checksum >> i) & 1) == 1;
        return bits;
    }

    private static int Checksum(long value)
    {
        var sum = 0;
        for (var k = 0; k < ValueBits / 4; k++) sum += (int)((value >> (4 * k)) & 0xF);
        return sum & 0xF;
    }
}

/// <summary>The browser side of <see cref="FrameClock"/>: injected into the call page before its own script.</summary>
public static class BrowserFrameClock
{
    /// <summary>
    /// Replaces <c>getUserMedia</c>'s camera by a 320 × 240 canvas that shows the clock (redrawn every 40 ms, captured at
    /// 25 fps; the fake microphone stays), and reads the clock from every frame the <c>#remote</c> video presents
    /// (<c>requestVideoFrameCallback</c>) into <c>window.clockLatencies</c> (ms, now − stamp).
    /// </summary>
    public const string Script = """
        (() => {
          const W = 320, H = 240, C = 8, R = 6, BITS = 44, MOD = 2 ** 44;
          const checksum = v => { let s = 0; for (let k = 0; k < BITS / 4; k++) s += Math.floor(v / 2 ** (4 * k)) % 16; return s % 16; };
          const now = () => Date.now() % MOD;
          function draw(g, v) {
            const chk = checksum(v);
            for (let i = 0; i < C * R; i++) {
              const bit = i < BITS ? Math.floor(v / 2 ** i) % 2 : (chk >> (i - BITS)) & 1;
              g.fillStyle = bit ? '#ebebeb' : '#101010';
              g.fillRect((i % C) * W / C, Math.floor(i / C) * H / R, W / C, H / R);
            }
          }
          function read(data) {
            let v = 0, chk = 0;
            for (let i = 0; i < C * R; i++) {
              const x = (2 * (i % C) + 1) * W / (2 * C), y = (2 * Math.floor(i / C) + 1) * H / (2 * R);
              let sum = 0;
              for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) sum += data[((y + dy) * W + x + dx) * 4];
              const bit = sum / 25 > 128 ? 1 : 0;
              if (i < BITS) v += bit * 2 ** i; else chk |= bit << (i - BITS);
            }
            return chk === checksum(v) ? v : null;
          }
          window.clockLatencies = [];
          window.clockUnreadable = 0;
          const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
          navigator.mediaDevices.getUserMedia = async () => {
            const canvas = document.createElement('canvas');
            canvas.width = W; canvas.height = H;
            const g = canvas.getContext('2d');
            draw(g, now());
            setInterval(() => draw(g, now()), 40);
            const microphone = await original({ audio: true });
            return new MediaStream([canvas.captureStream(25).getVideoTracks()[0], ...microphone.getAudioTracks()]);
          };
          document.addEventListener('DOMContentLoaded', () => {
            const video = document.getElementById('remote');
            const canvas = document.createElement('canvas');
            canvas.width = W; canvas.height = H;
            const g = canvas.getContext('2d', { willReadFrequently: true });
            const onFrame = () => {
              g.drawImage(video, 0, 0, W, H);
              const stamp = read(g.getImageData(0, 0, W, H).data);
              if (stamp === null) window.clockUnreadable++;
              else if (now() - stamp >= 0 && now() - stamp < 60000) window.clockLatencies.push(now() - stamp);
              video.requestVideoFrameCallback(onFrame);
            };
            video.requestVideoFrameCallback(onFrame);
          });
        })();
        """;
}
