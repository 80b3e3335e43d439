using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Postgres;
using CallService.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Storage;

/// <summary><c>Storage:Provider</c> and what <c>postgres</c> requires, checked before anything connects.</summary>
public sealed class CallStoreRegistrationTests
{
    private static readonly Dictionary<string, string?> Postgres = new()
    {
        ["Storage:Provider"] = "postgres",
        ["Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=u;Password=p",
        ["Auth:TokenSigningKey"] = "signing", ["Media:PushKey"] = "push", ["Media:PlayKey"] = "play",
    };

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static Dictionary<string, string?> Without(params string[] keys)
    {
        var values = new Dictionary<string, string?>(Postgres);
        foreach (var key in keys) values.Remove(key);
        return values;
    }

    [Fact]
    public void Postgres_WithoutSharedKeys_StopsTheStart_NamingEveryMissingKey()
    {
        var e = Assert.Throws<StartupException>(() => new ServiceCollection().AddCallStore(Config(Without("Media:PushKey", "Auth:TokenSigningKey"))));
        Assert.Equal("Storage:Provider=postgres needs Auth:TokenSigningKey, Media:PushKey configured, the same on every node.", e.Message);
    }

    [Fact]
    public void Postgres_WithoutAConnectionString_StopsTheStart_NamingTheKey()
    {
        var e = Assert.Throws<StartupException>(() => new ServiceCollection().AddCallStore(Config(Without("Storage:Postgres:ConnectionString"))));
        Assert.Contains("Storage:Postgres:ConnectionString", e.Message);
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData("1", 1)]
    [InlineData("8", 8)]
    public void Postgres_Writers_DefaultTwo_AndAsConfigured(string? writers, int expected)
    {
        var services = new ServiceCollection().AddCallStore(Config(new Dictionary<string, string?>(Postgres) { ["Storage:Postgres:Writers"] = writers }));
        var options = (PostgresStorageOptions)Assert.Single(services, d => d.ServiceType == typeof(PostgresStorageOptions)).ImplementationInstance!;
        Assert.Equal(expected, options.Writers);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    public void Postgres_WritersOutOfRange_StopTheStart(string writers)
    {
        var e = Assert.Throws<StartupException>(() =>
            new ServiceCollection().AddCallStore(Config(new Dictionary<string, string?>(Postgres) { ["Storage:Postgres:Writers"] = writers })));
        Assert.Equal($"Storage:Postgres:Writers must be 1–8, not {writers}.", e.Message);
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData("", 3)]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("10", 10)]
    public void Sqlite_CommitWindow_ThreeMillisecondsByDefault_AndAsConfigured(string? window, int expectedMs)
    {
        var services = new ServiceCollection().AddCallStore(Config(new() { ["Storage:Sqlite:CommitWindowMilliseconds"] = window }));
        var options = (SqliteStorageOptions)Assert.Single(services, d => d.ServiceType == typeof(SqliteStorageOptions)).ImplementationInstance!;
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), options.CommitWindow);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("11")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public void Sqlite_CommitWindowOutOfRange_StopsTheStart(string window)
    {
        var e = Assert.Throws<StartupException>(() =>
            new ServiceCollection().AddCallStore(Config(new() { ["Storage:Sqlite:CommitWindowMilliseconds"] = window })));
        Assert.Equal($"Storage:Sqlite:CommitWindowMilliseconds must be a whole number from 0 to 10 (got '{window}').", e.Message);
    }

    [Fact]
    public void Postgres_AutoPrepare_IsOnUnlessTheConnectionStringSetsIt()
    {
        Assert.Contains("Max Auto Prepare=64", PostgresCallStore.WithAutoPrepare("Host=db;Username=u"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Max Auto Prepare=5", PostgresCallStore.WithAutoPrepare("Host=db;Max Auto Prepare=5"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UnknownProvider_StopsTheStart()
    {
        var e = Assert.Throws<StartupException>(() => new ServiceCollection().AddCallStore(Config(new() { ["Storage:Provider"] = "mysql" })));
        Assert.Equal("Storage:Provider must be sqlite or postgres, not 'mysql'.", e.Message);
    }

    [Fact]
    public void Postgres_RegistersThePostgresStore_AndDefaultsTheNodeIdToHostAndPort()
    {
        var config = Config(new Dictionary<string, string?>(Postgres) { ["urls"] = "http://0.0.0.0:9081;http://[::]:9082" });
        var services = new ServiceCollection().AddCallStore(config);
        services.AddOptions<ClusterOptions>();
        using var provider = services.BuildServiceProvider();

        Assert.Contains(services, d => d.ServiceType == typeof(ICallStore) && d.ImplementationType == typeof(PostgresCallStore));
        Assert.Equal($"{System.Net.Dns.GetHostName()}:9081", provider.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId);
    }

    [Fact]
    public void Postgres_KeepsAConfiguredNodeId_AndADynamicPortFallsBackToTheProcessId()
    {
        var services = new ServiceCollection().AddCallStore(Config(Postgres));
        services.AddOptions<ClusterOptions>().Configure(o => o.NodeId = "media-7");
        using var provider = services.BuildServiceProvider();
        Assert.Equal("media-7", provider.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId);

        Assert.Equal($"{System.Net.Dns.GetHostName()}:pid{Environment.ProcessId}",
            CallStoreRegistration.DefaultNodeId(Config(new() { ["urls"] = "http://127.0.0.1:0" })));
    }

    [Fact]
    public void Sqlite_DefaultsTheNodeIdToHostAndPort_Too()
    {
        var services = new ServiceCollection().AddCallStore(Config(new() { ["urls"] = "http://127.0.0.1:9083" }));
        services.AddOptions<ClusterOptions>();
        using var provider = services.BuildServiceProvider();

        Assert.Equal($"{System.Net.Dns.GetHostName()}:9083", provider.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId);
    }
}
