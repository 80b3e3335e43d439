namespace CallService.Evidence.Snapshots;

/// <summary>Width and height of a JPEG from its start-of-frame marker (ITU-T T.81, B.2.2: SOF0–SOF15 except DHT/JPG/DAC).</summary>
internal static class JpegSize
{
    public static bool TryRead(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return false;
        var i = 2;
        while (i + 9 < jpeg.Length)
        {
            if (jpeg[i] != 0xFF) return false;
            var marker = jpeg[i + 1];
            if (marker == 0xFF) { i++; continue; }
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                height = (jpeg[i + 5] << 8) | jpeg[i + 6];
                width = (jpeg[i + 7] << 8) | jpeg[i + 8];
                return width > 0 && height > 0;
            }
            i += 2 + length;
        }
        return false;
    }
}
