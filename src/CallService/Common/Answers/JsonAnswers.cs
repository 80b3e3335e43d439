using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace CallService.Common.Answers;

/// <summary>
/// Writes an answer's JSON with the source generator's serialize handler of its type (<see cref="Hosting.CallServiceJsonContext"/>):
/// the code generated for that type, property by property, instead of the serializer walking its metadata. ASP.NET
/// Core's <c>Ok&lt;T&gt;</c> cannot use that handler: System.Text.Json runs a context's handler only when the options
/// have no <c>Encoder</c>, and the HTTP options set <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>. Here the
/// writer carries that same encoder, so the bytes are the same as <c>Ok&lt;T&gt;</c>'s (the generated property names are
/// plain ASCII, escaped alike by either encoder); a type without a handler goes through its metadata as before.
/// </summary>
internal static class JsonAnswer
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // what ASP.NET Core's HTTP JSON options use
        SkipValidation = true,                                 // the generated code writes well-formed JSON
    };

    private static readonly string[] JsonContentTypes = ["application/json"];

    /// <summary>Status, <c>Content-Type: application/json; charset=utf-8</c>, then the value's JSON.</summary>
    public static async Task WriteAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        if (typeInfo.SerializeHandler is not { } handler)
        {
            await response.WriteAsJsonAsync(value, typeInfo, "application/json; charset=utf-8", context.RequestAborted);
            return;
        }
        var writer = t_writer ??= new Utf8JsonWriter(Detached, WriterOptions);
        writer.Reset(response.BodyWriter);
        try
        {
            handler(writer, value);
            writer.Flush(); // into the pipe's memory (no I/O): the pipe's flush below sends it
        }
        finally
        {
            writer.Reset(Detached); // holds no response between answers
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// One writer per thread, pointed at each answer's pipe while the generated handler writes (synchronously) and
    /// detached after: a new writer per answer was ≈ 1.2 % of a call lifecycle's allocated bytes (seven answers).
    /// </summary>
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    private static readonly System.Buffers.ArrayBufferWriter<byte> Detached = new(1);

    /// <summary>What ASP.NET Core's typed results declare for the OpenAPI document: the status, the type, JSON.</summary>
    public static void Describe<T>(EndpointBuilder builder, int status) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(T), JsonContentTypes));
}

/// <summary>200 with <typeparamref name="T"/> as JSON (<see cref="JsonAnswer"/>); described like <c>Ok&lt;T&gt;</c>.</summary>
internal sealed class JsonOk<T>(T value, JsonTypeInfo<T> typeInfo) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public T Value => value;
    object? IValueHttpResult.Value => value;
    public int? StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext) => JsonAnswer.WriteAsync(httpContext, StatusCodes.Status200OK, value, typeInfo);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => JsonAnswer.Describe<T>(builder, StatusCodes.Status200OK);
}

/// <summary>201 with a <c>Location</c> and <typeparamref name="T"/> as JSON; described like <c>Created&lt;T&gt;</c>.</summary>
internal sealed class JsonCreated<T>(string location, T value, JsonTypeInfo<T> typeInfo)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public T Value => value;
    object? IValueHttpResult.Value => value;
    public int? StatusCode => StatusCodes.Status201Created;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.Location = location;
        return JsonAnswer.WriteAsync(httpContext, StatusCodes.Status201Created, value, typeInfo);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => JsonAnswer.Describe<T>(builder, StatusCodes.Status201Created);
}

/// <summary>202 with <typeparamref name="T"/> as JSON and no <c>Location</c>; described like <c>Accepted&lt;T&gt;</c>.</summary>
internal sealed class JsonAccepted<T>(T value, JsonTypeInfo<T> typeInfo) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public T Value => value;
    object? IValueHttpResult.Value => value;
    public int? StatusCode => StatusCodes.Status202Accepted;

    public Task ExecuteAsync(HttpContext httpContext) => JsonAnswer.WriteAsync(httpContext, StatusCodes.Status202Accepted, value, typeInfo);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => JsonAnswer.Describe<T>(builder, StatusCodes.Status202Accepted);
}
