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
    public const int DefaultBytes = 64 * 1024;

    long? IRequestSizeLimitMetadata.MaxRequestBodySize => MaxRequestBodySize;

    /// <summary>The most <see cref="Key"/> may be, in bytes (16 MiB).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads <see cref="Key"/>; a value that is not a whole number of 1 byte to <see cref="MaxBytes"/> stops the
    /// start (<see cref="WholeNumberSetting"/>).</summary>
    public static RequestBodyLimit From(IConfiguration configuration) =>
        new(WholeNumberSetting.Read(configuration, Key, 1, MaxBytes, DefaultBytes));
}
