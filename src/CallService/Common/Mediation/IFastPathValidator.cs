namespace CallService.Common.Mediation;

/// <summary>
/// A FluentValidation validator whose rules also exist as one plain check for the common case, a request that is
/// valid: <see cref="ValidationBehavior{TRequest,TResponse}"/> asks <see cref="Passes"/> first and runs the rules only
/// when it answers false, so a valid request costs no rule objects, contexts or async state machines, and an invalid
/// one gets exactly the errors the rules report (field names and messages unchanged).
/// </summary>
/// <typeparam name="T">The validated request.</typeparam>
internal interface IFastPathValidator<in T>
{
    /// <summary>
    /// True only when every rule of this validator passes for <paramref name="request"/>; false when any might fail
    /// (the rules then run and say which). Must never be true where a rule would fail.
    /// </summary>
    bool Passes(T request);
}
