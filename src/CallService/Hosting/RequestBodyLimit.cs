using Microsoft.AspNetCore.Http.Metadata;

namespace CallService.Hosting;

/// <summary>
/// The largest request body the API reads, in bytes: <c>Http:MaxRequestBodyBytes</c>, default 64 KiB (real bodies are
/// about 1 KiB; a status report of 100 events stays far below). Endpoint metadata that routing applies to
/// <c>IHttpMaxRequestBodySizeFeature</c> (ASP.NET Core's <see cref="IRequestSizeLimitMetadata"/>), and Kestrel's global
/// limit. A larger body is refused while it is read (Kestrel's <c>BadHttpRequestException</c>, 413) → 413 problem details.
/// </summary>
internal sealed record RequestBodyLimit(long MaxRequestBodySize) : IRequestSizeLimitMetadata
{
    public const string Key = "Http:MaxRequestBodyBytes";
    public const long DefaultBytes = 64 * 1024;

    long? IRequestSizeLimitMetadata.MaxRequestBodySize => MaxRequestBodySize;

    /// <summary>Reads <see cref="Key"/>; a value that is not a whole number of 1 byte to 16 MiB stops the start.</summary>
    public static RequestBodyLimit From(IConfiguration configuration)
    {
        var value = configuration[Key];
        if (string.IsNullOrEmpty(value)) return new RequestBodyLimit(DefaultBytes);
        if (!long.TryParse(value, out var bytes) || bytes is < 1 or > 16 * 1024 * 1024)
            throw new StartupException($"{Key} must be a whole number of bytes from 1 to 16777216 (got '{value}').");
        return new RequestBodyLimit(bytes);
    }
}
