using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class TaskLogTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Logs_ReturnTheMessage_WhenACoreLogTaskRan()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Logger, new { @params = new { message = "rows loaded: 42" } }))["id"]!;
        Assert.Equal("succeeded", (string?)(await server.WaitForRunAsync(events, runId))["run"]!["state"]);

        var page = await server.GetObjectAsync($"/api/v1/runs/{runId}/tasks/say/logs");

        var line = Assert.Single(page["lines"]!.AsArray(), l => (string?)l!["message"] == "rows loaded: 42")!;
        Assert.Equal(1, (int?)line["attempt"]);
        Assert.Equal("Information", (string?)line["level"]);
    }

    [Fact]
    public async Task Logs_ReturnEachLineOnce_WhenReadInPagesAcrossAttempts()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Chatty))["id"]!;
        Assert.Equal("failed", (string?)(await server.WaitForRunAsync(events, runId))["run"]!["state"]);
        var all = (await server.GetObjectAsync($"/api/v1/runs/{runId}/tasks/talk/logs"))["lines"]!.AsArray().Select(Key).ToList();

        var paged = new List<(int, long, string)>();
        long after = 0;
        while (true)
        {
            var page = await server.GetObjectAsync($"/api/v1/runs/{runId}/tasks/talk/logs?after={after}&limit=2");
            var lines = page["lines"]!.AsArray();
            if (lines.Count == 0)
            {
                Assert.Equal(after, (long?)page["nextAfter"]);
                break;
            }

            Assert.True(lines.Count <= 2);
            paged.AddRange(lines.Select(Key));
            after = (long)page["nextAfter"]!;
        }

        Assert.Equal(all, paged);
        Assert.Equal(paged.Count, paged.Distinct().Count());
        foreach (var attempt in new[] { 1, 2 })
        {
            Assert.Equal(["line-1", "line-2", "line-3"], paged.Where(l => l.Item1 == attempt && l.Item3.StartsWith("line-", StringComparison.Ordinal)).Select(l => l.Item3));
        }
    }

    [Fact]
    public async Task Download_ReturnsTheWholeLogAsATextAttachment_WhenTheTaskRanTwice()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Chatty))["id"]!;
        await server.WaitForRunAsync(events, runId);
        var messages = (await server.GetObjectAsync($"/api/v1/runs/{runId}/tasks/talk/logs"))["lines"]!.AsArray().Select(l => (string)l!["message"]!).ToList();

        using var response = await server.Client.GetAsync($"/api/v1/runs/{runId}/tasks/talk/logs/download");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"chatty-{runId}-talk.log", response.Content.Headers.ContentDisposition?.FileName);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("--- attempt 1 ---\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n'), "--- attempt 2 ---");
        Assert.Equal(8, messages.Count);
        Assert.All(messages, m => Assert.Contains(m, text, StringComparison.Ordinal));
        Assert.Equal(2, text.Split('\n').Count(l => l.EndsWith(" Information line-2", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Download_ReturnsNotFound_WhenTheRunHasNoSuchTask()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Logger, new { @params = new { message = "x" } }))["id"]!;

        using var response = await server.Client.GetAsync($"/api/v1/runs/{runId}/tasks/nope/logs/download");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private static (int Attempt, long Sequence, string Message) Key(JsonNode? line)
        => ((int)line!["attempt"]!, (long)line["sequence"]!, (string)line["message"]!);
}

public sealed class SqliteTaskLogTests(SqliteServerFixture server) : TaskLogTests<SqliteServerFixture>(server);

public sealed class PostgresTaskLogTests(PostgresServerFixture server) : TaskLogTests<PostgresServerFixture>(server);
