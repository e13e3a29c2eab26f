using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Tests.Cluster;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// The console log of a real server process as an operator ships it: with <c>Logging:Console:FormatterName=json</c>
/// every line is one JSON object with a timestamp, the lines of a task attempt carry its workflow, run, task and
/// attempt, and a normal start (probed for readiness while it starts) logs no error.
/// </summary>
public sealed class LogFormatTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private const string Workflow = """
        {
          "id": "logged",
          "tasks": [
            { "id": "say", "activity": "core.log", "with": { "message": "hello from say" } }
          ]
        }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-logs-").FullName;

    [Fact]
    public async Task JsonConsole_EveryLineIsAnObjectWithTimestamp_AndAttemptLinesCarryTheRunScope()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "logged.json"), Workflow);
        await using var node = ServerNode.Start("json", _root, new Dictionary<string, string>
        {
            ["Orchestrator__DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator__WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
            ["Logging__Console__FormatterName"] = "json",
        });

        // Probed from the moment it listens, as a load balancer does: the 503s while it starts are not errors.
        await node.WaitUntilReadyAsync(Patience);
        var created = await node.PostAsync("/api/v1/workflows/logged/runs", "{}", HttpStatusCode.Created);
        var runId = (string)created["id"]!;

        var attemptLines = await WaitForAsync(node, lines =>
        {
            var ofAttempt = lines.Where(l => Scope(l, "TaskId") == "say").ToList();
            return ofAttempt.Any(l => Message(l).Contains("succeeded", StringComparison.Ordinal)) ? ofAttempt : null;
        }, "the attempt of task say logged as succeeded");

        // Ours (started, succeeded) and the task's own line, all in the attempt's scope.
        Assert.Contains(attemptLines, l => Message(l).Contains("Task say attempt 1 started (core.log)", StringComparison.Ordinal));
        Assert.Contains(attemptLines, l => Message(l) == "hello from say" && l.GetProperty("Category").GetString() == "Orchestrator.Tasks");
        foreach (var line in attemptLines)
        {
            Assert.Equal("logged", Scope(line, "WorkflowId"));
            Assert.Equal(runId, Scope(line, "RunId"));
            Assert.Equal("1", Scope(line, "Attempt"));
        }

        var all = Parsed(node);
        Assert.True(all.Count == node.OutputLines.Count, $"a line is not one JSON object:\n{node.Output}");
        foreach (var line in all)
        {
            var timestamp = line.GetProperty("Timestamp").GetString()!;
            Assert.True(DateTimeOffset.TryParseExact(timestamp, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
                $"timestamp '{timestamp}' is not ISO 8601 UTC");
        }

        var errors = all.Where(l => l.GetProperty("LogLevel").GetString() is "Error" or "Critical").ToList();
        Assert.True(errors.Count == 0, $"error lines during a normal start and run:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public async Task DefaultConsole_EveryLineStartsWithItsTimestamp_AndNoErrorDuringANormalStart()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "logged.json"), Workflow);
        await using var node = ServerNode.Start("text", _root, new Dictionary<string, string>
        {
            ["Orchestrator__DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator__WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
            // The server's own defaults, not the tests' short format.
            ["Logging__Console__FormatterName"] = "",
        });

        await node.WaitUntilReadyAsync(Patience);
        var created = await node.PostAsync("/api/v1/workflows/logged/runs", "{}", HttpStatusCode.Created);
        var runId = (string)created["id"]!;

        var scoped = await WaitForText(node, $"=> Workflow logged run {runId} task say attempt 1 Task say attempt 1 succeeded");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Orchestrator\.Core\.Engine\.AttemptRunner\[\d+\] .*=> Workflow logged run ", scoped);

        var lines = node.OutputLines;
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn): ", l));
    }

    [Fact]
    public async Task ReadinessCheck_LogsNoError_WhileTheServerIsNotReadyYet()
    {
        var log = new LogCapture();
        var settings = new Dictionary<string, string?>(await ServerDatabase.SettingsAsync(DatabaseProvider.Sqlite, "node"))
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
            ["Logging:LogLevel:Default"] = "Information",
        };
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await using var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<ILoggerProvider>(log);
        });

        // Migrated but not started: the scheduler has not armed the workflows, as in the first moments of a start.
        await app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Orchestrator.Server.Storage.DatabaseMigrationService>().Single().StartAsync(CancellationToken.None);
        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"));

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        var errors = log.Messages.Where(m => m.StartsWith("Error", StringComparison.Ordinal) || m.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"an unready server logged errors:\n{string.Join('\n', errors)}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the killed process; the temp directory is cleaned by the system.
        }

        return Task.CompletedTask;
    }

    private static List<JsonElement> Parsed(ServerNode node)
    {
        var parsed = new List<JsonElement>();
        foreach (var line in node.OutputLines)
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                parsed.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                // Counted by the caller: every line must parse.
            }
        }

        return parsed;
    }

    private static string Message(JsonElement line) => line.GetProperty("Message").GetString() ?? "";

    /// <summary>A field of the line's scopes, as text; null when no scope has it.</summary>
    private static string? Scope(JsonElement line, string name)
    {
        if (!line.TryGetProperty("Scopes", out var scopes))
        {
            return null;
        }

        foreach (var scope in scopes.EnumerateArray())
        {
            if (scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out var value))
            {
                return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
            }
        }

        return null;
    }

    private static async Task<T> WaitForAsync<T>(ServerNode node, Func<List<JsonElement>, T?> found, string what)
        where T : class
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            if (found(Parsed(node)) is { } result)
            {
                return result;
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"not within {Patience.TotalSeconds} s: {what}\n{node.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    private static async Task<string> WaitForText(ServerNode node, string text)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            if (node.OutputLines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"not within {Patience.TotalSeconds} s: a line with '{text}'\n{node.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }
}
