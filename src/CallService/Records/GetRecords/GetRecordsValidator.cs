using CallService.Common.Mediation;
using FluentValidation;

namespace CallService.Records.GetRecords;

internal sealed class GetRecordsValidator : AbstractValidator<GetRecordsQuery>
{
    public GetRecordsValidator()
    {
        RuleFor(x => x.UserId).ValidUserId().When(x => x.UserId is not null);
        RuleFor(x => x.From).Must(v => GetRecordsQuery.TryParseTime(v, out _)).WithMessage("from must be an ISO-8601 time.");
        RuleFor(x => x.To).Must(v => GetRecordsQuery.TryParseTime(v, out _)).WithMessage("to must be an ISO-8601 time.");
        RuleFor(x => x.Limit).InclusiveBetween(1, GetRecordsQuery.MaxLimit);
        RuleFor(x => x.Cursor).Must(c => c is null || GetRecordsQuery.DecodeCursor(c) is not null).WithMessage("cursor is not valid.");
    }
}
