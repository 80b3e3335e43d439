using CallService.Hosting.WarmUp;

namespace CallService.Tests.Hosting;

/// <summary>
/// <see cref="PostgresWarmUpSchema.StartedAt"/>: only a name of the warm-up's own form gives a start time, so only
/// such schemas are ever dropped as abandoned (their names are then safe to put into <c>DROP SCHEMA</c>).
/// </summary>
public sealed class PostgresWarmUpSchemaTests
{
    [Theory]
    [InlineData("callservice_warm_up_1796410887_49a7293a", 1796410887L)]
    [InlineData("callservice_warm_up_1000000000_0123abcd", 1000000000L)]
    public void AWarmUpSchemasName_GivesItsStart(string name, long seconds) =>
        Assert.Equal(seconds, PostgresWarmUpSchema.StartedAt(name));

    [Theory]
    [InlineData("public")]
    [InlineData("callservice_warm_up_")]
    [InlineData("callservice_warm_up_1796410887")]
    [InlineData("callservice_warm_up_1796410887_49A7293A")] // not our lowercase hex
    [InlineData("callservice_warm_up_1796410887_49a7293")]
    [InlineData("callservice_warm_up_1796410887_49a7293a9")]
    [InlineData("callservice_warm_up_-1796410887_49a7293a")]
    [InlineData("callservice_warm_up_1796410887_49a7293a; drop table calls")]
    [InlineData("callservice_warm_up_17964x0887_49a7293a")]
    [InlineData("callservice_warm_up_179641088799999999999999_49a7293a")] // past a long
    public void AnyOtherName_GivesNone(string name) => Assert.Null(PostgresWarmUpSchema.StartedAt(name));
}
