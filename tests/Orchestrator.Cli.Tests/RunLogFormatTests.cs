using System.Globalization;
using System.Text.Json;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// The log lines of <c>orchestrator run</c> (stderr) as a CI system ships them: a timestamp on every line, and the
/// workflow, run, task and attempt on the lines of an attempt; one JSON object a line with the json formatter.
/// </summary>
public sealed class RunLogFormatTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-logs-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Workflow()
    {
        var path = Path.Combine(_work, "logged.json");
        File.WriteAllText(path, """
            {
              "id": "logged",
              "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "hello from say" } } ]
            }
            """);
        return path;
    }

    [Fact]
    public async Task Run_WritesJsonLogLines_WithTimestampAndTheAttemptsScope_WhenTheFormatterIsJson()
    {
        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__LogLevel__Default"] = "Information",
        }, "run", Workflow(), "--output", "json");

        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}:\n{result.Stderr}");
        var runId = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("runId").GetString();

        var logLines = new List<JsonElement>();
        foreach (var line in result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
        {
            logLines.Add(JsonDocument.Parse(line).RootElement.Clone());
        }

        var started = Assert.Single(logLines, l => l.GetProperty("Message").GetString() == "Task say attempt 1 started (core.log)");
        Assert.Contains(logLines, l => l.GetProperty("Message").GetString()!.StartsWith("Task say attempt 1 succeeded in ", StringComparison.Ordinal));
        foreach (var line in logLines)
        {
            Assert.True(DateTimeOffset.TryParseExact(line.GetProperty("Timestamp").GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), $"no ISO 8601 timestamp: {line}");
        }

        var scope = started.GetProperty("Scopes").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("RunId", out _));
        Assert.Equal(runId, scope.GetProperty("RunId").GetString());
        Assert.Equal("logged", scope.GetProperty("WorkflowId").GetString());
        Assert.Equal("say", scope.GetProperty("TaskId").GetString());
        Assert.Equal(1, scope.GetProperty("Attempt").GetInt32());
    }

    [Fact]
    public async Task Run_PrefixesLogLinesWithTheirTimestamp_AndWritesTheAttemptsScope_ByDefault()
    {
        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
        }, "run", Workflow());

        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}:\n{result.Stderr}");
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.Contains("Task say attempt 1 started", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Orchestrator\.Core\.Engine\.AttemptRunner\[\d+\] .*=> Workflow logged run [0-9a-f-]{36} task say attempt 1 Task say attempt 1 started \(core\.log\)", line);
    }
}
