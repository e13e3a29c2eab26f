using System.Text.Json;
using Orchestrator.Core.Schema;

namespace Orchestrator.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-").FullName;

    // The CLI runs in its own process: this one holds no connection to the files of the directory.
    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static string Retrying(int retries) => $$"""
        {
          "id": "retrying",
          "defaults": { "retries": {{retries}}, "retryDelay": "PT0.01S" },
          "tasks": [
            { "id": "flaky", "activity": "core.fail", "with": { "failAttempts": 2 } },
            { "id": "load", "activity": "core.noop", "dependsOn": ["flaky"] },
            { "id": "cleanup", "activity": "core.log", "dependsOn": ["flaky"], "triggerRule": "all_done", "with": { "message": "cleaning up" } }
          ]
        }
        """;

    [Fact]
    public async Task Server_ExitsTwoWithOneLineOnStderr_WhenItListensOnEveryInterfaceWithoutKeys()
    {
        Directory.CreateDirectory(Path.Combine(_work, "workflows"));
        var url = $"http://0.0.0.0:{Orchestrator.Testing.LoopbackPorts.Free()}";

        var result = await CliProcess.RunAsync(_work, "server", "--urls", url);

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(url, line, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Security:ApiKeys", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ExitsZero_ForTheRepositoryWorkflows()
    {
        var result = await CliProcess.RunAsync(_work, "validate", Path.Combine(CliProcess.RepositoryRoot, "workflows"));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Empty(result.Stdout);
        Assert.Contains("0 error(s)", result.Stderr);
    }

    [Fact]
    public async Task Validate_PrintsCompilerStyleLines_AndExitsOne_ForAMalformedFile()
    {
        var path = Write("bad.json", """
            {
              "id": "bad",
              "tasks": [
                { "id": "a", "activity": "core.noop", "dependsOn": ["b"] },
                { "id": "b", "activity": "core.noop", "dependsOn": ["a"], "triggerRule": "all_sucess" }
              ]
            }
            """);
        var result = await CliProcess.RunAsync(_work, "validate", path);

        Assert.Equal(1, result.ExitCode);
        var text = File.ReadAllText(path);
        Assert.Equal(
            [
                $"{path}:{At(text, "\"a\"]")}: error WF013: dependency cycle: b -> a -> b [$.tasks[1].dependsOn[0]]",
                $"{path}:{At(text, "\"all_sucess\"")}: error WF017: 'all_sucess' is not allowed; expected one of all_success, all_failed, all_done, all_done_min_one_success, all_skipped, one_success, one_failed, one_done, none_failed, none_failed_min_one_success, none_skipped, always; did you mean 'all_success'? [$.tasks[1].triggerRule]",
            ],
            result.StdoutLines);
    }

    /// <summary>line:column of the first occurrence of a snippet, computed independently of the validator.</summary>
    private static string At(string text, string snippet)
    {
        var offset = text.IndexOf(snippet, StringComparison.Ordinal);
        var line = text[..offset].Count(c => c == '\n') + 1;
        var column = offset - (text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1) + 1;
        return $"{line}:{column}";
    }

    [Fact]
    public async Task Validate_ExitsTwo_ForAMissingPath_OrUnknownOption()
    {
        Assert.Equal(2, (await CliProcess.RunAsync(_work, "validate", Path.Combine(_work, "nope.json"))).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(_work, "validate", "--frobnicate")).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(_work, "explode")).ExitCode);
    }

    [Fact]
    public async Task Run_SucceedsWithThreeAttempts_WhenTwoFailuresAndThreeRetries()
    {
        var result = await CliProcess.RunAsync(_work, "run", Write("wf.json", Retrying(3)), "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("retrying", root.GetProperty("workflow").GetString());
        Assert.True(Guid.TryParse(root.GetProperty("runId").GetString(), out _));
        Assert.Equal("succeeded", root.GetProperty("state").GetString());
        var flaky = root.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "flaky");
        Assert.Equal("succeeded", flaky.GetProperty("state").GetString());
        Assert.Equal(3, flaky.GetProperty("attempts").GetInt32());
        Assert.Equal(3, flaky.GetProperty("outputs").GetProperty("succeededOnAttempt").GetInt32());
        Assert.Equal(JsonValueKind.Null, flaky.GetProperty("error").ValueKind);
        Assert.True(flaky.GetProperty("startedAt").GetDateTimeOffset() <= flaky.GetProperty("endedAt").GetDateTimeOffset());
        Assert.Equal(
            ["workflow", "runId", "state", "tasks"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["id", "state", "attempts", "startedAt", "endedAt", "outputs", "error", "attemptDetails"],
            flaky.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Run_ListsEachAttemptWithItsStartEndAndDuration_WhenOutputIsJson()
    {
        var result = await CliProcess.RunAsync(_work, "run", Write("wf.json", Retrying(3)), "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var flaky = json.RootElement.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "flaky");
        var attempts = flaky.GetProperty("attemptDetails").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal(["failed", "failed", "succeeded"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Contains("core.fail failed attempt 1 on purpose", attempts[0].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, attempts[2].GetProperty("error").ValueKind);
        foreach (var attempt in attempts)
        {
            var started = attempt.GetProperty("startedAt").GetDateTimeOffset();
            var ended = attempt.GetProperty("endedAt").GetDateTimeOffset();
            Assert.Equal(ended - started, Orchestrator.Core.Json.IsoDuration.Parse(attempt.GetProperty("duration").GetString()!));
        }

        Assert.Equal(flaky.GetProperty("startedAt").GetDateTimeOffset(), attempts[0].GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(attempts[2].GetProperty("endedAt").GetDateTimeOffset() <= flaky.GetProperty("endedAt").GetDateTimeOffset());
        Assert.True(attempts[0].GetProperty("endedAt").GetDateTimeOffset() <= attempts[1].GetProperty("startedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Run_PrintsOnePlainLinePerStateChange_AndASummaryWithDurations_WhenOutputIsNotATerminal()
    {
        var result = await CliProcess.RunAsync(_work, "run", Write("wf.json", Retrying(3)));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain('\u001b', result.Stdout + result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var flaky = lines.Where(l => l.StartsWith("[flaky] ", StringComparison.Ordinal) && !l.Contains("on purpose", StringComparison.Ordinal)).ToArray();
        Assert.Equal(6, flaky.Length);
        Assert.Equal("[flaky] running (attempt 1)", flaky[0]);
        Assert.Matches(@"^\[flaky\] up_for_retry: attempt 1 failed after \d+\.\d+s; attempt 2 at \d{4}-\d\d-\d\dT", flaky[1]);
        Assert.Equal("[flaky] running (attempt 2)", flaky[2]);
        Assert.Matches(@"^\[flaky\] up_for_retry: attempt 2 failed after \d+\.\d+s; attempt 3 at ", flaky[3]);
        Assert.Equal("[flaky] running (attempt 3)", flaky[4]);
        Assert.Matches(@"^\[flaky\] succeeded in \d+\.\d+s \(attempt 3\)$", flaky[5]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[load\] succeeded in \d+\.\d+s \(attempt 1\)$"));
        Assert.Matches(@"^run [0-9a-f-]{36} succeeded in \d+\.\d+s$", lines[^1]);

        var summary = result.StdoutLines;
        Assert.Matches(@"^retrying run [0-9a-f-]{36}: succeeded in \d+\.\d+s$", summary[0]);
        Assert.Matches(@"^task\s+state\s+attempts\s+duration$", summary[1]);
        Assert.Matches(@"^flaky\s+succeeded\s+3\s+\d+\.\d+s$", summary[2]);
        Assert.Matches(@"^load\s+succeeded\s+1\s+\d+\.\d+s$", summary[3]);
        Assert.Matches(@"^cleanup\s+succeeded\s+1\s+\d+\.\d+s$", summary[4]);
    }

    [Fact]
    public async Task Run_Fails_WithUpstreamFailedAndAllDoneDownstreams_WhenRetriesRunOut()
    {
        var result = await CliProcess.RunAsync(_work, "run", Write("wf.json", Retrying(1)), "--output", "json");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var tasks = json.RootElement.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t);
        Assert.Equal("failed", json.RootElement.GetProperty("state").GetString());
        Assert.Equal("failed", tasks["flaky"].GetProperty("state").GetString());
        Assert.Equal(2, tasks["flaky"].GetProperty("attempts").GetInt32());
        Assert.Equal("upstream_failed", tasks["load"].GetProperty("state").GetString());
        Assert.Equal("succeeded", tasks["cleanup"].GetProperty("state").GetString());
        Assert.Contains("[cleanup] cleaning up", result.Stderr);
        Assert.Contains("[flaky] core.fail failed attempt 1 on purpose", result.Stderr);
    }

    [Fact]
    public async Task Run_PassesParamsAsJsonOrString_AndExitsTwoForBadInput()
    {
        var path = Write("params.json", """
            {
              "id": "params",
              "params": { "rows": { "type": "integer" }, "label": { "type": "string", "default": "x" } },
              "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{ params.label }}:{{ params.rows | plus: 1 }}" } } ]
            }
            """);

        var ok = await CliProcess.RunAsync(_work, "run", path, "--param", "rows=41", "--param", "label=answer", "--output", "json");
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("\"message\":\"answer:42\"", ok.Stdout);

        var wrongType = await CliProcess.RunAsync(_work, "run", path, "--param", "rows=many");
        Assert.Equal(2, wrongType.ExitCode);
        Assert.Contains("param 'rows': 'many' is not an integer", wrongType.Stderr);

        var invalidFile = await CliProcess.RunAsync(_work, "run", Write("broken.json", "{ \"id\": \"x\", \"tasks\": [] "));
        Assert.Equal(2, invalidFile.ExitCode);
        Assert.Contains("error JSON001", invalidFile.Stderr);

        var badDate = await CliProcess.RunAsync(_work, "run", path, "-p", "rows=1", "--logical-date", "yesterday");
        Assert.Equal(2, badDate.ExitCode);
    }

    [Fact]
    public async Task Run_UsesTheLogicalDate_InTemplates()
    {
        var path = Write("dated.json", """
            { "id": "dated", "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{ run.logical_date | date: '%Y-%m-%d %H' }}" } } ] }
            """);
        var result = await CliProcess.RunAsync(_work, "run", path, "--logical-date", "2026-11-23T10:00:00Z", "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("\"message\":\"2026-11-23 10\"", result.Stdout);
    }

    [Fact]
    public async Task Activities_ListsTheCatalog_AsTextAndJson()
    {
        var text = await CliProcess.RunAsync(_work, "activities");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains(text.StdoutLines, l => l.StartsWith("core.fail", StringComparison.Ordinal));

        var json = await CliProcess.RunAsync(_work, "activities", "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        var fail = document.RootElement.EnumerateArray().Single(a => a.GetProperty("type").GetString() == "core.fail");
        Assert.Equal("integer", fail.GetProperty("inputSchema").GetProperty("properties").GetProperty("failAttempts").GetProperty("type")[0].GetString());
    }

    [Fact]
    public async Task DbMigrate_CreatesTheSqliteDatabase_AndIsIdempotent()
    {
        var first = await CliProcess.RunAsync(_work, "db", "migrate");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.StartsWith("Applied ", first.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_work, "data", "orchestrator.db")));

        var second = await CliProcess.RunAsync(_work, "db", "migrate");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("The database schema is current.", second.Stdout.Trim());
    }

    [Fact]
    public async Task Schema_PrintsTheCommittedSchema()
    {
        var result = await CliProcess.RunAsync(_work, "schema");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(JsonSchemas.WorkflowText(), result.Stdout);
    }

    [Fact]
    public void CommittedSchema_IsUpToDate_WithTheModel()
    {
        var committed = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "workflows", "workflow.schema.json"));
        Assert.True(
            committed == JsonSchemas.WorkflowText(),
            "workflows/workflow.schema.json is stale: regenerate it with `dotnet run --project src/Orchestrator.Cli -- schema > workflows/workflow.schema.json`.");
    }

    [Fact]
    public void EveryRepositoryWorkflow_PointsToTheSchema()
    {
        var files = Directory.GetFiles(Path.Combine(CliProcess.RepositoryRoot, "workflows"), "*.json")
            .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f =>
        {
            using var json = JsonDocument.Parse(File.ReadAllText(f));
            Assert.Equal("./workflow.schema.json", json.RootElement.GetProperty("$schema").GetString());
        });
    }
}
