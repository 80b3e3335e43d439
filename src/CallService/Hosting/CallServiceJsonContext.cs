using System.Text.Json;
using System.Text.Json.Serialization;
using CallContracts.Calls;
using CallContracts.Tokens;

namespace CallService.Hosting;

/// <summary>
/// Source-generated JSON metadata for the hot HTTP contracts (request bodies and answers of the call lifecycle), first in
/// the HTTP resolver chain; anything else falls back to reflection. The options match the HTTP options (web defaults,
/// strict numbers), so answers are written by the generated fast path. Same wire shape: names come from the same
/// camelCase policy.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CallResponse))]
[JsonSerializable(typeof(StatusReportResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CreateCallRequest))]
[JsonSerializable(typeof(StatusReportRequest))]
[JsonSerializable(typeof(TokenRequest))]
internal sealed partial class CallServiceJsonContext : JsonSerializerContext;
