using CallService.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Configuration;

namespace CallService.Tests.Hosting;

public sealed class RequestBodyLimitTests
{
    private static RequestBodyLimit From(string? value) =>
        RequestBodyLimit.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [RequestBodyLimit.Key] = value }).Build());

    [Theory]
    [InlineData(null, 65536)]
    [InlineData("", 65536)]
    [InlineData("  ", 65536)]
    [InlineData("1", 1)]
    [InlineData("16777216", 16777216)]
    public void From_ReadsTheLimit_DefaultingTo64KiB(string? value, long expected)
    {
        var limit = From(value);
        Assert.Equal(expected, limit.MaxRequestBodySize);
        Assert.Equal(expected, ((IRequestSizeLimitMetadata)limit).MaxRequestBodySize); // what routing applies per endpoint
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("16777217")]
    [InlineData("64k")]
    public void From_OutOfRange_StopsTheStartNamingTheKey(string value) =>
        Assert.Equal($"Http:MaxRequestBodyBytes must be a whole number from 1 to 16777216 (got '{value}').",
            Assert.Throws<StartupException>(() => From(value)).Message);
}
