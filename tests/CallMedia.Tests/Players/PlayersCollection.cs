namespace CallMedia.Tests.Players;

/// <summary>
/// The real-player tests run one at a time, after the other test classes: each starts a relay, an ffmpeg publisher
/// and players (chromium, VLC, GStreamer) that need the machine's cores in real time. Beside the timing-sensitive relay
/// tests (slow viewer, call grade) they would starve those, and a starved player falls behind live by itself.
/// </summary>
[CollectionDefinition(nameof(PlayersCollection), DisableParallelization = true)]
public sealed class PlayersCollection;
