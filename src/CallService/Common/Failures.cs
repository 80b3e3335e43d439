namespace CallService.Common;

/// <summary>An action the call's state does not allow (→ 409). <see cref="Rule"/> names the rule.</summary>
internal sealed class CallRuleException(string rule, string detail) : Exception(detail)
{
    public string Rule { get; } = rule;
}

/// <summary>The requester is authenticated but may not do this (→ 403).</summary>
internal sealed class ForbiddenException(string rule, string detail) : Exception(detail)
{
    public string Rule { get; } = rule;
}

/// <summary>Unknown resource (→ 404).</summary>
internal sealed class NotFoundException(string detail) : Exception(detail);

/// <summary>The record store failed (→ 503). The message is safe to show.</summary>
internal sealed class StorageUnavailableException(string detail, Exception? inner = null) : Exception(detail, inner);
