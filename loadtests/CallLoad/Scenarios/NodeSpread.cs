namespace CallLoad.Scenarios;

/// <summary>
/// Which node a party of pair <c>k</c> talks to (its socket and every request it sends) when the target has several
/// nodes: A on node <c>k mod N</c>, B on node <c>(k + k div N) mod N</c>. So every node carries the same share of
/// parties, and with two nodes half of the pairs have both parties on one node and half are split across the two
/// (each call's events then cross nodes).
/// </summary>
public static class NodeSpread
{
    /// <summary>Node index (0-based) of party A of pair <paramref name="pair"/> among <paramref name="nodes"/> nodes.</summary>
    public static int NodeOfA(int pair, int nodes) => nodes <= 1 ? 0 : pair % nodes;

    /// <summary>Node index (0-based) of party B of pair <paramref name="pair"/> among <paramref name="nodes"/> nodes.</summary>
    public static int NodeOfB(int pair, int nodes) => nodes <= 1 ? 0 : (pair + pair / nodes) % nodes;
}
