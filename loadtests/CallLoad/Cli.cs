using System.Text.Json;
using CallLoad.Reporting;
using CallLoad.Scenarios;
using CallLoad.Targets;
using RtmpTestClient.Flv;
using Spectre.Console;

namespace CallLoad;

/// <summary>Runs one scenario from the command line with a live Spectre.Console view and prints the result.</summary>
internal static class Cli
{
    /// <summary>Runs <paramref name="action"/>; a failure to start or reach a target is one red line and exit code 1.</summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException or TimeoutException or ArgumentException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return 1;
        }
    }

    public static Task<int> RunMediaAsync<T>(
        TargetSpec spec, string? jsonOut, CancellationToken cancellationToken,
        Func<ITarget, FlvFile, RunStatus, CancellationToken, Task<T>> scenario) =>
        Guard(() => RunMediaCoreAsync(spec, jsonOut, cancellationToken, scenario));

    private static async Task<int> RunMediaCoreAsync<T>(
        TargetSpec spec, string? jsonOut, CancellationToken cancellationToken,
        Func<ITarget, FlvFile, RunStatus, CancellationToken, Task<T>> scenario)
    {
        var file = await CallLoadRunner.LoadMediaAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[grey]media: {file.Media.Count} tags, {file.Duration.TotalSeconds:F1} s, {file.BitsPerSecond / 1000:F0} kbit/s[/]");
        await using var target = await TargetFactory.CreateAsync(spec);
        var status = new RunStatus();
        var result = await WithLiveView(status, () => scenario(target, file, status, cancellationToken));
        Print(result);
        await WriteJsonAsync(jsonOut, result);
        return 0;
    }

    /// <summary>Bounded <c>relay-cost</c> settings from the command-line values (seconds; out-of-range values are clamped).</summary>
    public static RelayCostOptions RelayCostOptions(int calls, int durationSeconds, int warmupSeconds, int syscallSeconds, CostViewers viewers, int rounds = 1) => new()
    {
        Rounds = Math.Clamp(rounds, 1, 10),
        Calls = Math.Clamp(calls, 1, 200),
        Duration = TimeSpan.FromSeconds(Math.Clamp(durationSeconds, 2, 300)),
        Warmup = TimeSpan.FromSeconds(Math.Clamp(warmupSeconds, 0, 120)),
        SyscallWindow = TimeSpan.FromSeconds(Math.Clamp(syscallSeconds, 0, 60)),
        Viewers = viewers,
    };

    /// <summary>Parses <c>NAME=VALUE</c> pairs; throws <see cref="ArgumentException"/> for one without a name or '='.</summary>
    public static Dictionary<string, string> EnvironmentPairs(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new ArgumentException($"--service-env needs NAME=VALUE, not '{pair}'.");
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }

    /// <summary>
    /// <paramref name="environment"/> plus <c>Media__Mode</c> (and <c>Media__RelayExecutable</c>) for
    /// <c>--relay-mode process</c>; throws <see cref="ArgumentException"/> for a mode other than inprocess/process.
    /// </summary>
    public static Dictionary<string, string> RelayModeEnvironment(Dictionary<string, string> environment, string? mode, string? executable)
    {
        switch (mode?.ToLowerInvariant())
        {
            case null or "" or "inprocess":
                return environment;
            case "process":
                environment["Media__Mode"] = "process";
                if (executable is { Length: > 0 }) environment["Media__RelayExecutable"] = Path.GetFullPath(executable);
                return environment;
            default:
                throw new ArgumentException($"--relay-mode is inprocess or process, not '{mode}'.");
        }
    }

    /// <summary>Runs <c>relay-cost</c>; <paramref name="targets"/> is evaluated inside the guard (bad <c>--service-env</c> → one red line).</summary>
    public static Task<int> RunRelayCostAsync(Func<IReadOnlyList<TargetSpec>> targets, RelayCostOptions options, string? jsonOut, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            var specs = targets();
            var file = await CallLoadRunner.LoadMediaAsync(cancellationToken);
            var status = new RunStatus();
            var result = await WithLiveView(status, () => RelayCostScenario.RunAsync(specs, file, options, status, cancellationToken,
                one => AnsiConsole.MarkupLineInterpolated($"[grey]{one.Target}: {one.CpuMsPerMbit} CPU ms/Mbit, p99 {one.Window.All.P99} ms, RSS {one.RssMiB} MiB[/]")));
            Print(result);
            await WriteJsonAsync(jsonOut, result);
            return 0;
        });

    /// <summary>Runs <c>recording-cost</c> (it starts its own CallService).</summary>
    public static Task<int> RunRecordingCostAsync(RecordingCostOptions options, string? jsonOut, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            var file = await CallLoadRunner.LoadMediaAsync(cancellationToken);
            var status = new RunStatus();
            var result = await WithLiveView(status, () => RecordingCostScenario.RunAsync(file, options, status, cancellationToken));
            Print(result);
            await WriteJsonAsync(jsonOut, result);
            return result.Errors.Count == 0 ? 0 : 1;
        });

    /// <summary>Runs <paramref name="work"/> while a live table shows <paramref name="status"/> twice a second.</summary>
    public static async Task<T> WithLiveView<T>(RunStatus status, Func<Task<T>> work)
    {
        var table = new Table().AddColumn("figure").AddColumn("value");
        T result = default!;
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            var task = work();
            while (!task.IsCompleted)
            {
                Render(table, status);
                context.Refresh();
                await Task.WhenAny(task, Task.Delay(500));
            }
            Render(table, status);
            context.Refresh();
            result = await task;
        });
        return result;
    }

    private static void Render(Table table, RunStatus status)
    {
        table.Rows.Clear();
        table.Title = new TableTitle(Markup.Escape(status.Phase));
        foreach (var (name, value) in status.Snapshot())
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
    }

    public static void Print(object? result)
    {
        if (result is null)
            return;
        AnsiConsole.Write(ReportTables.For(result));
    }

    public static async Task WriteJsonAsync(string? path, object? result)
    {
        if (path is null)
            return;
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, Json.Options));
        AnsiConsole.MarkupLineInterpolated($"[grey]wrote {path}[/]");
    }
}
