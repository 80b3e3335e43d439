namespace EndToEnd.Tests.Infrastructure;

/// <summary>One CallService process shared by the tests of a collection (starting one takes ~1 s).</summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    private ServiceProcess? _service;

    internal ServiceProcess Service => _service ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _service = await ServiceProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_service is not null)
            await _service.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "CallService process";
}
