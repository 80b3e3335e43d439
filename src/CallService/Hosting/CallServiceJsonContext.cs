using System.Text.Json;
using System.Text.Json.Serialization;
using CallContracts.Calls;
using CallContracts.Records;
using CallContracts.Tokens;

namespace CallService.Hosting;

/// <summary>
/// Source-generated JSON metadata for every request body and answer of the API, first in the HTTP resolver chain;
/// anything else (problem details: ASP.NET Core's own context) falls back to reflection. The options match the HTTP
/// options (web defaults, strict numbers), so answers are written by the generated fast path, and the OpenAPI document
/// (which reads the same resolver chain) describes exactly that wire shape: camelCase names, integers as integers.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CallResponse))]
[JsonSerializable(typeof(CallList))]
[JsonSerializable(typeof(CallContracts.Cluster.ClusterNodeList))]
[JsonSerializable(typeof(CallMediaResponse))]
[JsonSerializable(typeof(RecordsPage))]
[JsonSerializable(typeof(StatusReportResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CreateCallRequest))]
[JsonSerializable(typeof(StatusReportRequest))]
[JsonSerializable(typeof(TokenRequest))]
internal sealed partial class CallServiceJsonContext : JsonSerializerContext;
