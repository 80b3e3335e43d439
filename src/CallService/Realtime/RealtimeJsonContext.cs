using System.Text.Json;
using System.Text.Json.Serialization;
using CallContracts.Evidence;
using CallContracts.Realtime;

namespace CallService.Realtime;

/// <summary>
/// Source-generated JSON metadata for the realtime frames written on every call change (the events and their data)
/// and for the client frames and their answers, first in <see cref="RealtimeHub.Json"/>'s resolver chain: the
/// serializer writes them without building reflection metadata at first use, and with the options' web defaults
/// (camelCase) the wire shape is the same as before. Anything not listed (problem details inside an <c>error</c>
/// frame, a rare anonymous payload) falls back to reflection (System.Text.Json docs, "How to use source generation":
/// <c>JsonTypeInfoResolver.Combine</c>).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RealtimeEvent))]
[JsonSerializable(typeof(IncomingCallData))]
[JsonSerializable(typeof(PartyAssignment))]
[JsonSerializable(typeof(PeerWarningData))]
[JsonSerializable(typeof(ProfileExceededData))]
[JsonSerializable(typeof(EndedData))]
[JsonSerializable(typeof(RecordingEventData))]
[JsonSerializable(typeof(RealtimeClientFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(StatusResultFrame))]
[JsonSerializable(typeof(ErrorFrame))]
internal sealed partial class RealtimeJsonContext : JsonSerializerContext;
