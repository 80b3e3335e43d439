// tests/TestSupport/Postgres/PostgresCluster.cs is compiled into this tool as a link (CallLoad.csproj), so
// the load test starts its throwaway PostgreSQL exactly as the tests do. That file is written against xUnit's fixture
// types; these stand-ins give them the same shape here without making the tool depend on a test framework.
namespace CallService.Tests.Support.Postgres;

/// <summary>Shape of xUnit's <c>IAsyncLifetime</c> (start and stop of a fixture).</summary>
internal interface IAsyncLifetime
{
    /// <summary>Starts the fixture.</summary>
    Task InitializeAsync();

    /// <summary>Stops and deletes the fixture.</summary>
    Task DisposeAsync();
}

/// <summary>Shape of xUnit's <c>ICollectionFixture&lt;T&gt;</c> (unused here).</summary>
internal interface ICollectionFixture<T>;

/// <summary>Shape of xUnit's <c>CollectionDefinitionAttribute</c> (unused here).</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class CollectionDefinitionAttribute(string name) : Attribute
{
    /// <summary>The collection's name.</summary>
    public string Name { get; } = name;
}
