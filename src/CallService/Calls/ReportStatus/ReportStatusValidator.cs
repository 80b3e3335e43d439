using CallContracts.Calls;
using CallContracts.StatusCodes;
using CallService.Common.Mediation;
using FluentValidation;

namespace CallService.Calls.ReportStatus;

internal sealed class ReportStatusValidator : AbstractValidator<ReportStatusCommand>, IFastPathValidator<ReportStatusCommand>
{
    private const string ComponentMessage = "component must be pusher, player or error.";

    public ReportStatusValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        When(x => x.Events is not null, () =>
        {
            RuleFor(x => x.Events).Must(e => e!.Count is > 0 and <= 100).WithMessage("events must hold 1–100 reports.");
            RuleFor(x => x.Code).Null().WithMessage("Send either code or events, not both.");
            RuleForEach(x => x.Events).ChildRules(item =>
            {
                item.RuleFor(e => e.Component).Must(c => StatusCodeCatalogue.TryParseComponent(c, out _)).WithMessage(ComponentMessage);
                item.RuleFor(e => e.Code).NotNull().WithMessage("code is required.");
                item.RuleFor(e => e.Events).Null().WithMessage("events cannot nest.");
                item.RuleFor(e => e.Message).MaximumLength(1000);
            });
        }).Otherwise(() =>
        {
            RuleFor(x => x.Component).Must(c => StatusCodeCatalogue.TryParseComponent(c, out _)).WithMessage(ComponentMessage);
            RuleFor(x => x.Code).NotNull().WithMessage("code is required.");
            RuleFor(x => x.Message).MaximumLength(1000);
        });
    }

    /// <summary>Every rule above as one check (see <see cref="IFastPathValidator{T}"/>).</summary>
    public bool Passes(ReportStatusCommand c)
    {
        if (!CommonRules.IsCallId(c.CallId)) return false;
        if (c.Events is null) return IsReport(c.Component, c.Code, c.Message);
        if (c.Events.Count is < 1 or > 100 || c.Code is not null) return false;
        foreach (var item in c.Events)
        {
            if (item is null || item.Events is not null || !IsReport(item.Component, item.Code, item.Message)) return false;
        }
        return true;
    }

    private static bool IsReport(string? component, int? code, string? message) =>
        StatusCodeCatalogue.TryParseComponent(component, out _) && code is not null && (message is null || message.Length <= 1000);
}
