namespace CallService.Tests.Support.Postgres;

/// <summary>One throwaway cluster shared by the test classes of this collection.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL cluster";
}
