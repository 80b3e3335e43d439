using System.Text.Json;
using CallService.Common.Json;
using CallContracts.Realtime;

namespace CallService.Realtime;

/// <summary>
/// Encodes a <see cref="RealtimeEvent"/> as its frame: <c>{"seq":…,"type":…,"callId":…,"at":…,"data":{…}}</c>, the same
/// bytes as <c>JsonSerializer.SerializeToUtf8Bytes(evt, options)</c>, written without the serializer's path for the
/// <c>object</c>-typed <see cref="RealtimeEvent.Data"/>.
/// </summary>
/// <remarks>
/// Serialized as a whole, the record's <c>object</c> property sends the serializer down its metadata path (a write stack
/// per event, the payload's converters one by one) instead of the source-generated writers of
/// <see cref="RealtimeJsonContext"/>; here the envelope's four fields are written directly and the payload is
/// serialized as its own runtime type. Buffer and writer are kept per thread (<see cref="JsonScratch"/>; events are
/// encoded on request threads, under the call's gate). Property names are the web defaults' (camelCase), as <see cref="RealtimeHub.Json"/> names them.
/// </remarks>
internal static class EventFrames
{
    private const int KeptBufferBytes = 64 * 1024;

    [ThreadStatic] private static JsonScratch? t_scratch;

    /// <summary>
    /// The frame of <paramref name="evt"/> as <see cref="RealtimeHub.Json"/> serializes it, a new array (it is stored
    /// and shared by every socket).
    /// </summary>
    public static byte[] Encode(RealtimeEvent evt)
    {
        var options = RealtimeHub.Json;
        var scratch = t_scratch ??= new JsonScratch(
            new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true }, initialBytes: 2048, KeptBufferBytes);
        var json = scratch.Start();
        try
        {
            json.WriteStartObject();
            json.WriteNumber("seq", evt.Seq);
            json.WriteString("type", evt.Type);
            json.WriteString("callId", evt.CallId);
            json.WriteString("at", evt.At);
            json.WritePropertyName("data");
            if (evt.Data is null) json.WriteNullValue();
            else JsonSerializer.Serialize(json, evt.Data, evt.Data.GetType(), options);
            json.WriteEndObject();
            return scratch.Written().ToArray();
        }
        finally
        {
            JsonScratch.Return(ref t_scratch);
        }
    }
}
