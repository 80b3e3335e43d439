namespace CallService.Storage.Sqlite;

/// <summary>The readiness probe's write.</summary>
internal sealed partial class SqliteCallStore
{
    /// <summary>This node's lease renewed at <paramref name="at"/>, group-committed like every call write.</summary>
    public void ProbeWrite(DateTimeOffset at) => RenewLease(NodeId, at);
}
