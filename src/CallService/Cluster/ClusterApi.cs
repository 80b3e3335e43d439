using CallContracts.Cluster;
using CallService.ApiDocs;
using CallService.Auth;
using CallService.Cluster.ListNodes;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.Cluster;

/// <summary>The cluster's endpoints: <c>GET /v1/cluster/nodes</c>.</summary>
internal static class ClusterApi
{
    public static IEndpointRouteBuilder MapCluster(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster/nodes", async Task<Ok<ClusterNodeList>> (IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListNodesQuery(), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithTags("Cluster")
            .WithName("ListClusterNodes")
            .WithSummary("The nodes sharing this store: URLs, calls placed, last lease renewal, draining")
            .WithDescription("Ordered by `nodeId`. `alive`: the node renewed its lease within `Cluster:LeaseSeconds`. " +
                             "`self`: the node that answered. With SQLite: the one node.")
            .ProducesProblems(401, 403, 503);
        return app;
    }
}
