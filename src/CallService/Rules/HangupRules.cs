using CallContracts.StatusCodes;
using Microsoft.Extensions.Options;

namespace CallService.Rules;

/// <summary><c>Rules:*</c> configuration.</summary>
internal sealed class RulesOptions
{
    public const string SectionName = "Rules";

    /// <summary><c>documented</c> (default), <c>strict</c> or <c>custom</c>.</summary>
    public string Set { get; set; } = "documented";

    /// <summary>With <c>custom</c>: the codes that end the call.</summary>
    public int[] TerminalCodes { get; set; } = [];

    /// <summary>Seconds a "retry started" code (3001–3005) waits for push/play-begin before it ends the call. 0 = at once.</summary>
    public int RecoveryWindowSeconds { get; set; }

    /// <summary>A peer hears about the same warning code at most once per this many seconds.</summary>
    public int PeerWarningDebounceSeconds { get; set; } = 5;
}

/// <summary>One hang-up rule: this code ends the call. <see cref="Source"/> says who says so.</summary>
internal sealed record HangupRule(int Code, string Source);

/// <summary>A named set of hang-up rules (data, chosen by configuration).</summary>
internal sealed record HangupRuleSet(string Name, IReadOnlyList<HangupRule> Rules)
{
    private const string CallPage = "seeds/001 reference 1:1 call page: colse() hangs up on code_list";

    /// <summary>Exactly what the reference call page hangs up on: 2006, −2301, −1310, 3001, 3002, 3003, 3005.</summary>
    public static HangupRuleSet Documented { get; } = new("documented",
    [
        new(2006, CallPage + " (2006 PLAY_EVT_PLAY_END)"),
        new(-2301, CallPage + " (-2301 PLAY_ERR_NET_DISCONNECT, retries exhausted)"),
        new(-1310, CallPage + " (-1310 screen capture interrupted)"),
        new(3001, CallPage + " (3001 DNS failed)"),
        new(3002, CallPage + " (3002 server connect failed)"),
        new(3003, CallPage + " (3003 handshake failed)"),
        new(3005, CallPage + " (3005 read/write failed)"),
    ]);

    /// <summary>Documented plus codes after which the party cannot continue: −1307, −1301, −1302, 10001, 10002, 3004, 5000.</summary>
    public static HangupRuleSet Strict { get; } = new("strict",
    [
        .. Documented.Rules,
        new(-1307, "live-pusher docs (seeds/004): PUSH_ERR_NET_DISCONNECT, retries exhausted"),
        new(-1301, "live-pusher docs (seeds/004): PUSH_ERR_OPEN_CAMERA_FAIL"),
        new(-1302, "live-pusher docs (seeds/004): PUSH_ERR_OPEN_MIC_FAIL"),
        new(10001, "seeds/001 call page binderror: camera permission denied"),
        new(10002, "seeds/001 call page binderror: microphone permission denied"),
        new(3004, "live-pusher docs (seeds/004): PUSH_WARNING_SERVER_DISCONNECT, bad URL or expired signature"),
        new(5000, "live-pusher docs (seeds/004): PUSH_WARNING_HANDUP_STOP, mini-program suspended, push stopped"),
    ]);

    public static HangupRuleSet Custom(IEnumerable<int> codes) =>
        new("custom", [.. codes.Distinct().Select(c => new HangupRule(c, "configuration Rules:TerminalCodes"))]);

    public bool Ends(int code) => Rules.Any(r => r.Code == code);
}

/// <summary>What a reported code does to the call.</summary>
internal enum RuleOutcome
{
    /// <summary>Nothing beyond bookkeeping (progress codes, unknown codes).</summary>
    None,
    /// <summary>Push begin (1002): may complete "connected", cancels a pending recovery.</summary>
    PushBegin,
    /// <summary>Play begin (2004): may complete "connected", cancels a pending recovery.</summary>
    PlayBegin,
    /// <summary>Counted into quality and told to the peer (debounced).</summary>
    Warning,
    /// <summary>Counted into quality, not told to the peer (a terminal candidate the active set ignores).</summary>
    Counted,
    /// <summary>Ends the call now.</summary>
    Hangup,
    /// <summary>Ends the call unless the party reports push/play begin within the recovery window.</summary>
    HangupAfterRecoveryWindow,
}

/// <summary>The active rule set and the decision for each reported code (DESIGN §3.3).</summary>
internal sealed class HangupRules
{
    public HangupRules(IOptions<RulesOptions> options)
    {
        var o = options.Value;
        Set = o.Set.ToLowerInvariant() switch
        {
            "documented" => HangupRuleSet.Documented,
            "strict" => HangupRuleSet.Strict,
            "custom" when o.TerminalCodes.Length > 0 => HangupRuleSet.Custom(o.TerminalCodes),
            "custom" => throw new InvalidOperationException("Rules:Set is 'custom' but Rules:TerminalCodes is empty."),
            _ => throw new InvalidOperationException($"Rules:Set must be documented, strict or custom (got '{o.Set}')."),
        };
        RecoveryWindow = TimeSpan.FromSeconds(Math.Max(0, o.RecoveryWindowSeconds));
        PeerWarningDebounce = TimeSpan.FromSeconds(Math.Max(0, o.PeerWarningDebounceSeconds));
    }

    public HangupRuleSet Set { get; }
    public TimeSpan RecoveryWindow { get; }
    public TimeSpan PeerWarningDebounce { get; }

    public RuleOutcome Decide(StatusComponent component, int code)
    {
        if (Set.Ends(code))
            return RecoveryWindow > TimeSpan.Zero && StatusCodeCatalogue.IsRetryStarted(code)
                ? RuleOutcome.HangupAfterRecoveryWindow
                : RuleOutcome.Hangup;
        if (component == StatusComponent.Pusher && code == StatusCodeCatalogue.PushBegin) return RuleOutcome.PushBegin;
        if (component == StatusComponent.Player && code == StatusCodeCatalogue.PlayBegin) return RuleOutcome.PlayBegin;
        if (!StatusCodeCatalogue.TryGet(component, code, out var info)) return RuleOutcome.None;
        return info.Category switch
        {
            StatusCategory.Warning => RuleOutcome.Warning,
            StatusCategory.TerminalCandidate => RuleOutcome.Counted,
            _ => RuleOutcome.None,
        };
    }
}
