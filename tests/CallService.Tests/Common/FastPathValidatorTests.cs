using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Accept;
using CallService.Calls.CreateCall;
using CallService.Calls.ReportStatus;
using CallService.Common.Mediation;
using FluentValidation;
using FluentValidation.Results;

namespace CallService.Tests.Common;

/// <summary>
/// The plain checks of <see cref="IFastPathValidator{T}"/> agree with the FluentValidation rules they stand in for: for
/// every request here, the check passes exactly when the rules report no error; and <see cref="ValidationBehavior{TRequest,TResponse}"/>
/// runs the rules only when the check does not pass.
/// </summary>
public class FastPathValidatorTests
{
    private static readonly ServiceActor Service = new();
    private static readonly UserActor Alice = new("alice");

    private static CreateCallCommand Create(Actor actor, string? caller = "alice", string? callee = "bob") =>
        new(actor, caller is null ? null : new PartyRef { UserId = caller }, callee is null ? null : new PartyRef { UserId = callee },
            null, true, null, null, null, null, null, null);

    private static readonly Dictionary<string, CreateCallCommand> CreateCommands = new()
    {
        { "valid, API key", Create(Service) },
        { "valid, user token, no caller", Create(Alice, caller: null) },
        { "valid, every option", Create(Service) with
            {
                Scenario = "telemedicine", Pusher = new PusherModeRequest { Mode = "rtc" }, Player = new PlayerModeRequest { Mode = "RTC" },
                RingTimeoutSeconds = 5, MediaJoinTimeoutSeconds = 120, PublisherLostGraceSeconds = 60, MaxDurationSeconds = 86400,
                Recording = "consent", IdempotencyKey = "k-1!~",
            } },
        { "API key without caller", Create(Service, caller: null) },
        { "no callee", Create(Service, callee: null) },
        { "empty callee id", Create(Service, callee: "") },
        { "callee id with a space", Create(Service, callee: "bo b") },
        { "callee id of 65 characters", Create(Service, callee: new string('b', 65)) },
        { "callee id of 64 characters", Create(Service, callee: new string('b', 64)) },
        { "callee id with .@-_", Create(Service, callee: "b.o@b-_1") },
        { "caller id with a slash", Create(Service, caller: "al/ice") },
        { "callee is the caller", Create(Service, caller: "bob") },
        { "callee is the token's user", Create(Alice, caller: null, callee: "alice") },
        { "unknown scenario", Create(Service) with { Scenario = "party" } },
        { "live pusher mode", Create(Service) with { Pusher = new PusherModeRequest { Mode = "HD" } } },
        { "live player mode", Create(Service) with { Player = new PlayerModeRequest { Mode = "live" } } },
        { "unknown recording", Create(Service) with { Recording = "ON" } },
        { "ring timeout 4", Create(Service) with { RingTimeoutSeconds = 4 } },
        { "ring timeout 121", Create(Service) with { RingTimeoutSeconds = 121 } },
        { "media join 4", Create(Service) with { MediaJoinTimeoutSeconds = 4 } },
        { "grace 0", Create(Service) with { PublisherLostGraceSeconds = 0 } },
        { "grace 61", Create(Service) with { PublisherLostGraceSeconds = 61 } },
        { "max duration 59", Create(Service) with { MaxDurationSeconds = 59 } },
        { "max duration 86401", Create(Service) with { MaxDurationSeconds = 86401 } },
        { "empty idempotency key", Create(Service) with { IdempotencyKey = "" } },
        { "idempotency key with a space", Create(Service) with { IdempotencyKey = "a b" } },
        { "idempotency key of 256", Create(Service) with { IdempotencyKey = new string('k', 256) } },
        { "idempotency key of 255", Create(Service) with { IdempotencyKey = new string('k', 255) } },
        { "non-ASCII idempotency key", Create(Service) with { IdempotencyKey = "clé" } },
    };

    public static TheoryData<string> CreateNames() => [.. CreateCommands.Keys];

    [Theory]
    [MemberData(nameof(CreateNames))]
    public void CreateCall_CheckAgreesWithTheRules(string name) =>
        AssertAgrees(new CreateCallValidator(), CreateCommands[name], name);

    private static ReportStatusCommand Report(string? component = "pusher", int? code = 1002, string? message = null,
        IReadOnlyList<StatusReportRequest>? events = null, string callId = "c_1") =>
        new(Alice, callId, component, code, message, events);

    private static StatusReportRequest Item(string? component = "player", int? code = 2004, string? message = null) =>
        new() { Component = component, Code = code, Message = message };

    private static readonly Dictionary<string, ReportStatusCommand> ReportCommands = new()
    {
        { "one report", Report() },
        { "error component, message of 1000", Report("ERROR", -2301, new string('m', 1000)) },
        { "message of 1001", Report(message: new string('m', 1001)) },
        { "unknown component", Report("camera") },
        { "no component", Report(null) },
        { "no code", Report(code: null) },
        { "call id with a dash", Report(callId: "c-1") },
        { "empty call id", Report(callId: "") },
        { "call id of 65", Report(callId: new string('c', 65)) },
        { "events", Report(null, null, events: [Item(), Item("pusher", 1002)]) },
        { "events with a bad top-level component (ignored)", Report("camera", null, events: [Item()]) },
        { "events and code", Report(null, 1002, events: [Item()]) },
        { "no events", Report(null, null, events: []) },
        { "101 events", Report(null, null, events: [.. Enumerable.Repeat(Item(), 101)]) },
        { "100 events", Report(null, null, events: [.. Enumerable.Repeat(Item(), 100)]) },
        { "an event without code", Report(null, null, events: [Item(), Item(code: null)]) },
        { "an event with a bad component", Report(null, null, events: [Item("x")]) },
        { "an event with a long message", Report(null, null, events: [Item(message: new string('m', 1001))]) },
        { "nested events", Report(null, null, events: [Item() with { Events = [Item()] }]) },
    };

    public static TheoryData<string> ReportNames() => [.. ReportCommands.Keys];

    [Theory]
    [MemberData(nameof(ReportNames))]
    public void ReportStatus_CheckAgreesWithTheRules(string name) =>
        AssertAgrees(new ReportStatusValidator(), ReportCommands[name], name);

    [Theory]
    [InlineData("c_1")]
    [InlineData("abcDEF0123456789_")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("c-1")]
    [InlineData("c 1")]
    [InlineData("ç")]
    [InlineData("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")]  // 64
    [InlineData("ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")] // 65
    public void CallId_CheckAgreesWithTheRules(string callId) =>
        AssertAgrees(new AcceptCallValidator(), new AcceptCallCommand(Alice, callId), callId);

    [Fact]
    public void CallId_WithATrailingNewline_IsLeftToTheRules()
    {
        // The rule's pattern ends in `$`, which .NET also matches before a final newline: the check is stricter.
        var command = new AcceptCallCommand(Alice, "c1\n");
        Assert.False(new AcceptCallValidator().Passes(command));
    }

    [Fact]
    public async Task Behaviour_RunsTheRules_OnlyWhenTheCheckFails()
    {
        var validator = new CountingValidator();
        var behaviour = new ValidationBehavior<AcceptCallCommand, string>([validator]);
        Assert.Equal("ok", await behaviour.Handle(new AcceptCallCommand(Alice, "c_1"), CancellationToken.None, () => Task.FromResult("ok")));
        Assert.Equal(0, validator.RuleRuns);

        var refused = await Assert.ThrowsAsync<ValidationException>(() =>
            behaviour.Handle(new AcceptCallCommand(Alice, "c-1"), CancellationToken.None, () => Task.FromResult("ran")));
        Assert.Equal(1, validator.RuleRuns);
        var error = Assert.Single(refused.Errors);
        Assert.Equal("CallId", error.PropertyName);
        Assert.Equal("Not a call id.", error.ErrorMessage);
    }

    private static void AssertAgrees<T>(IFastPathValidator<T> fast, T command, string name)
    {
        var result = ((IValidator<T>)fast).Validate(command);
        Assert.True(fast.Passes(command) == result.IsValid,
            $"{name}: check {(fast.Passes(command) ? "passes" : "fails")}, rules {(result.IsValid ? "pass" : "fail: " + string.Join("; ", result.Errors))}");
    }

    private sealed class CountingValidator : AbstractValidator<AcceptCallCommand>, IFastPathValidator<AcceptCallCommand>
    {
        public CountingValidator() => RuleFor(x => x.CallId).ValidCallId();

        public int RuleRuns { get; private set; }

        public bool Passes(AcceptCallCommand request) => CommonRules.IsCallId(request.CallId);

        public override ValidationResult Validate(ValidationContext<AcceptCallCommand> context)
        {
            RuleRuns++;
            return base.Validate(context);
        }
    }
}
