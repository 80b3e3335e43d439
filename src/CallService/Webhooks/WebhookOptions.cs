using System.Globalization;
using CallService.Hosting;
using StandardWebhooks;

namespace CallService.Webhooks;

/// <summary>One receiver (<c>Webhooks:Endpoints:N:*</c>).</summary>
/// <param name="Url">Absolute <c>http</c>/<c>https</c> URL the messages are POSTed to.</param>
/// <param name="Signer">Signs with the endpoint's secret (<c>whsec_</c> + base64; the secret is kept nowhere else).</param>
/// <param name="Events">Event types sent to it; empty = every type.</param>
internal sealed record WebhookEndpoint(Uri Url, StandardWebhook Signer, IReadOnlySet<string> Events)
{
    /// <summary>The URL as configured: the endpoint's key in the outbox.</summary>
    public string Key => Url.OriginalString;

    public bool Accepts(string type) => Events.Count == 0 || Events.Contains(type);
}

/// <summary>
/// <c>Webhooks:*</c> configuration, read and checked once at start: a bad URL, secret, event type or bound stops the
/// start with one line naming the key (<see cref="StartupException"/>); a secret's value is never part of a message.
/// </summary>
internal sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>Secrets shorter than this (decoded) are refused: the Standard Webhooks specification asks for 24–64 bytes; 16 is the floor kept here.</summary>
    public const int MinSecretBytes = 16;

    /// <summary>Upper bound of a secret, decoded (Standard Webhooks specification: at most 64 bytes).</summary>
    public const int MaxSecretBytes = 64;

    public IReadOnlyList<WebhookEndpoint> Endpoints { get; init; } = [];

    /// <summary><c>Webhooks:MaxAttempts</c> (default 10, 1–100): attempts before a message is kept as failed.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary><c>Webhooks:FirstRetryDelaySeconds</c> (default 30): the back-off before the 2nd attempt; doubles per attempt.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Webhooks:MaxRetryDelaySeconds</c> (default 3600): the back-off never grows past this.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>Webhooks:TimeoutSeconds</c> (default 10): an attempt without an answer by then is retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Webhooks:PollIntervalSeconds</c> (default 1): how often due messages are looked for when nothing woke the dispatcher (retries, other nodes' writes).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Webhooks:RetainDeliveredHours</c> (default 168 = 7 days): delivered rows are deleted this long after their delivery; failed ones stay.</summary>
    public TimeSpan RetainDelivered { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How long a claimed message is reserved for this node's attempt: the timeout plus margin, so another node takes it over only after a crash.</summary>
    public TimeSpan Lease => Timeout + Timeout + TimeSpan.FromSeconds(5);

    /// <summary>Messages claimed (and sent in parallel) per round.</summary>
    public int BatchSize { get; init; } = 32;

    public WebhookEndpoint? Find(string key) => Endpoints.FirstOrDefault(e => e.Key == key);

    /// <summary>Reads and checks <c>Webhooks:*</c>.</summary>
    /// <exception cref="StartupException">A key has a value that cannot be used; the message names the key, never a secret.</exception>
    public static WebhookOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var endpoints = new List<WebhookEndpoint>();
        foreach (var child in section.GetSection("Endpoints").GetChildren().OrderBy(c => int.TryParse(c.Key, out var n) ? n : int.MaxValue))
        {
            var endpoint = Endpoint(child);
            if (endpoints.Any(e => e.Key == endpoint.Key))
                throw new StartupException($"{child.Path}:Url repeats the URL of another webhook endpoint; give each endpoint once (with all its events).");
            endpoints.Add(endpoint);
        }
        return new WebhookOptions
        {
            Endpoints = endpoints,
            MaxAttempts = WholeNumberSetting.Read(section, "MaxAttempts", 1, 100, fallback: 10),
            FirstRetryDelay = TimeSpan.FromSeconds(Number(section, "FirstRetryDelaySeconds", 30, 0.01, 86400)),
            MaxRetryDelay = TimeSpan.FromSeconds(Number(section, "MaxRetryDelaySeconds", 3600, 0.01, 86400)),
            Timeout = TimeSpan.FromSeconds(Number(section, "TimeoutSeconds", 10, 0.1, 300)),
            PollInterval = TimeSpan.FromSeconds(Number(section, "PollIntervalSeconds", 1, 0.01, 60)),
            RetainDelivered = TimeSpan.FromHours(Number(section, "RetainDeliveredHours", 168, 0.01, 87600)),
        };
    }

    private static WebhookEndpoint Endpoint(IConfigurationSection endpoint)
    {
        var urlText = endpoint["Url"]?.Trim();
        if (string.IsNullOrEmpty(urlText) || !Uri.TryCreate(urlText, UriKind.Absolute, out var url) ||
            (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(url.Host))
            throw new StartupException($"{endpoint.Path}:Url must be an absolute http:// or https:// URL.");
        return new WebhookEndpoint(url, Signer(endpoint), Events(endpoint));
    }

    private static StandardWebhook Signer(IConfigurationSection endpoint)
    {
        const string prefix = "whsec_";
        var secret = endpoint["Secret"]?.Trim();
        var problem = $"{endpoint.Path}:Secret must be '{prefix}' followed by the base64 of {MinSecretBytes}-{MaxSecretBytes} random bytes " +
                      "(Standard Webhooks specification, \"Signature scheme\").";
        if (secret is null || !secret.StartsWith(prefix, StringComparison.Ordinal)) throw new StartupException(problem);
        var key = new byte[MaxSecretBytes + 3];
        if (!Convert.TryFromBase64String(secret[prefix.Length..], key, out var length) || length is < MinSecretBytes or > MaxSecretBytes)
            throw new StartupException(problem);
        return new StandardWebhook(key[..length]);
    }

    /// <summary><c>Events</c> as a list (<c>Events:0</c>, <c>Events:1</c> …) or as one comma-separated value.</summary>
    private static HashSet<string> Events(IConfigurationSection endpoint)
    {
        var section = endpoint.GetSection("Events");
        var names = section.Value is { } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim() ?? "").Where(v => v.Length > 0);
        var events = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!WebhookEventTypes.All.Contains(name))
                throw new StartupException(
                    $"{section.Path} names an unknown event type; use {string.Join(", ", WebhookEventTypes.All.Order(StringComparer.Ordinal))}.");
            events.Add(name);
        }
        return events;
    }

    private static double Number(IConfigurationSection section, string key, double fallback, double min, double max)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new StartupException($"{section.Path}:{key} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }
}
