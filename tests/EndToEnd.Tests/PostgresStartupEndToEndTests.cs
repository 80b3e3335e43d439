using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// <c>Storage:Provider=postgres</c> start-up checks with the real process: keys every node must share are required,
/// and a node without them exits at once with one line naming them (before any connection is tried).
/// </summary>
public sealed class PostgresStartupEndToEndTests
{
    [Theory]
    [InlineData("Auth:TokenSigningKey")]
    [InlineData("Media:PushKey")]
    [InlineData("Media:PlayKey")]
    public async Task PostgresNode_WithoutASharedKey_ExitsAtOnce_WithOneLineNamingIt(string missingKey)
    {
        var data = Directory.CreateTempSubdirectory("callservice-e2e-pgkeys-").FullName;
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = data,
                ["Storage:Provider"] = "postgres",
                // Never reached: the key check comes first.
                ["Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=unused",
                ["Auth:TokenSigningKey"] = "0123456789abcdef0123456789abcdef",
                ["Media:PushKey"] = "push-key-shared",
                ["Media:PlayKey"] = "play-key-shared",
            };
            settings.Remove(missingKey);

            var run = await ServiceRun.UntilExitAsync(settings, data, TimeSpan.FromSeconds(30));

            Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\nstdout:\n{run.StandardOutput}\nstderr:\n{run.StandardError}");
            var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("CallService did not start: Storage:Provider=postgres needs ", line);
            Assert.Contains(missingKey, line);
            Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
            Assert.False(File.Exists(Path.Combine(data, "calls.db")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
