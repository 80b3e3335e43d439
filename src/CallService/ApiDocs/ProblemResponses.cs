namespace CallService.ApiDocs;

/// <summary>
/// Documents an endpoint's error answers: each is the project's one problem shape (RFC 9457,
/// <c>application/problem+json</c>); 400 is the validation variant with <c>errors</c> (field → messages).
/// </summary>
internal static class ProblemResponses
{
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder endpoint, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            if (status == StatusCodes.Status400BadRequest) endpoint.ProducesValidationProblem();
            else endpoint.ProducesProblem(status);
        }
        return endpoint;
    }
}
