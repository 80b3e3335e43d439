namespace CallLoad.Ceiling;

/// <summary>What the ceiling server runs around its endpoints (<c>signaling --ceiling-stack</c>).</summary>
public enum CeilingStack
{
    /// <summary>Nothing: the endpoints alone (the "bare ASP.NET server"; the default).</summary>
    Bare,

    /// <summary>
    /// The ASP.NET Core components CallService keeps as libraries around every request (<see cref="CeilingFrameworkStack"/>):
    /// shows which part of CallService's CPU per lifecycle comes with them rather than with its rules and storage.
    /// </summary>
    Framework,
}
