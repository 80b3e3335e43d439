namespace CallMedia.Media;

/// <summary>Reads the picture size from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1).</summary>
internal static class H264Sps
{
    public static bool TryReadSize(ReadOnlySpan<byte> nal, out int width, out int height)
    {
        width = height = 0;
        try
        {
            var rbsp = StripEmulation(nal[1..]);
            var r = new BitReader(rbsp);
            int profile = r.Bits(8);
            r.Bits(16); // constraint flags, level
            r.Ue(); // seq_parameter_set_id
            var chroma = 1;
            if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
            {
                chroma = r.Ue();
                if (chroma == 3) r.Bits(1);
                r.Ue(); r.Ue(); r.Bits(1);
                if (r.Bits(1) == 1)
                    for (var i = 0; i < (chroma == 3 ? 12 : 8); i++)
                        if (r.Bits(1) == 1) SkipScalingList(ref r, i < 6 ? 16 : 64);
            }
            r.Ue(); // log2_max_frame_num_minus4
            var pocType = r.Ue();
            if (pocType == 0) r.Ue();
            else if (pocType == 1)
            {
                r.Bits(1); r.Se(); r.Se();
                var n = r.Ue();
                for (var i = 0; i < n; i++) r.Se();
            }
            r.Ue(); r.Bits(1);
            var widthMbs = r.Ue() + 1;
            var heightUnits = r.Ue() + 1;
            var frameMbsOnly = r.Bits(1);
            if (frameMbsOnly == 0) r.Bits(1);
            r.Bits(1);
            int cl = 0, cr = 0, ct = 0, cb = 0;
            if (r.Bits(1) == 1) { cl = r.Ue(); cr = r.Ue(); ct = r.Ue(); cb = r.Ue(); }
            var unitX = chroma is 1 or 2 ? 2 : 1;
            var unitY = (chroma == 1 ? 2 : 1) * (2 - frameMbsOnly);
            width = widthMbs * 16 - (cl + cr) * unitX;
            height = (2 - frameMbsOnly) * heightUnits * 16 - (ct + cb) * unitY;
            return width > 0 && height > 0;
        }
        catch (IndexOutOfRangeException)
        {
            return false;
        }
    }

    private static void SkipScalingList(ref BitReader r, int size)
    {
        int last = 8, next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
                next = (last + r.Se() + 256) % 256;
            last = next == 0 ? last : next;
        }
    }

    private static byte[] StripEmulation(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length);
        var zeros = 0;
        foreach (var b in data)
        {
            if (zeros >= 2 && b == 3) { zeros = 0; continue; }
            zeros = b == 0 ? zeros + 1 : 0;
            output.Add(b);
        }
        return output.ToArray();
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public int Bits(int count)
        {
            var value = 0;
            for (var i = 0; i < count; i++, _bit++)
                value = value << 1 | (_data[_bit >> 3] >> (7 - (_bit & 7)) & 1);
            return value;
        }

        public int Ue()
        {
            var zeros = 0;
            while (Bits(1) == 0)
                if (++zeros > 31) throw new IndexOutOfRangeException();
            return (1 << zeros) - 1 + Bits(zeros);
        }

        public int Se()
        {
            var k = Ue();
            return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
