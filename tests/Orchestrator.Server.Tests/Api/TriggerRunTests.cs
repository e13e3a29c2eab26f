using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class TriggerRunTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Trigger_ReturnsCreatedWithLocation_WhenParamsAreValid()
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Flaky}/runs", new { @params = new { failures = 0 } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal($"/api/v1/runs/{run["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal(SeedWorkflows.Flaky, (string?)run["workflowId"]);
        Assert.Equal("manual", (string?)run["kind"]);
        Assert.Equal(0, (int?)run["params"]!["failures"]);
    }

    [Fact]
    public async Task Trigger_RunSucceedsOnItsSecondAttempt_WhenTheFirstAttemptFails()
    {
        await using var events = await server.OpenEventsAsync();
        var run = await server.TriggerAsync(SeedWorkflows.Flaky, new { @params = new { failures = 1 } });

        var detail = await server.WaitForRunAsync(events, (string)run["id"]!);

        Assert.Equal("succeeded", (string?)detail["run"]!["state"]);
        var task = detail["tasks"]!.AsArray().Single()!;
        Assert.Equal("flaky", (string?)task["taskId"]);
        Assert.Equal("succeeded", (string?)task["state"]);
        Assert.Equal(2, (int?)task["attempts"]);
        var history = task["attemptHistory"]!.AsArray();
        Assert.Equal([1, 2], history.Select(a => (int)a!["number"]!));
        Assert.Equal(["failed", "succeeded"], history.Select(a => (string)a!["outcome"]!));
        Assert.Equal("failing on purpose", (string?)history[0]!["error"]);
        Assert.Equal(2, (int?)task["outputs"]!["succeededOnAttempt"]);
    }

    [Fact]
    public async Task Trigger_RecordsEachAttemptsQueueTimeWorkerAndRenderedInputs_WhenATaskIsRetried()
    {
        await using var events = await server.OpenEventsAsync();
        var run = await server.TriggerAsync(SeedWorkflows.Flaky, new { @params = new { failures = 1 } });

        var detail = await server.WaitForRunAsync(events, (string)run["id"]!);

        var history = detail["tasks"]!.AsArray().Single()!["attemptHistory"]!.AsArray();
        Assert.Equal(2, history.Count);
        Assert.All(history, a =>
        {
            Assert.Equal("test-node", (string?)a!["worker"]);
            var queued = DateTimeOffset.Parse((string)a["queuedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
            var started = DateTimeOffset.Parse((string)a["startedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
            var ended = DateTimeOffset.Parse((string)a["endedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(queued <= started && started <= ended, $"queued {queued:O}, started {started:O}, ended {ended:O}");

            // Rendered: the template gave way to the param's value, with its JSON type.
            Assert.Equal(1, (int?)a["inputs"]!["failAttempts"]);
            Assert.Equal("failing on purpose", (string?)a["inputs"]!["message"]);
        });
    }

    [Fact]
    public async Task Trigger_ReturnsInvalidParamsProblem_WhenAParamBreaksItsDefinition()
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Flaky}/runs",
            new { @params = new { failures = -1, colour = "red" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-params", (string?)problem["type"]);
        Assert.Equal(400, (int?)problem["status"]);
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("'failures'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown param 'colour'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Trigger_CreatesNoRun_WhenParamsAreInvalid()
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Logger}/runs",
            new { @params = new { message = 42 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var runs = await server.GetObjectAsync($"/api/v1/runs?workflowId={SeedWorkflows.Logger}");
        Assert.Empty(runs["items"]!.AsArray());
    }

    [Fact]
    public async Task Trigger_ReturnsNotFoundProblem_WhenTheWorkflowIsUnknown()
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/no-such-workflow/runs", new { });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/not-found", (string?)problem["type"]);
        Assert.Contains("no-such-workflow", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_ReturnsDuplicateLogicalDateConflict_WhenARunHasThatLogicalDate()
    {
        var body = new { logicalDate = "2026-03-01T00:00:00Z" };
        var first = await server.TriggerAsync(SeedWorkflows.Noop, body);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), (DateTimeOffset)first["logicalDate"]!);

        using var second = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.Noop}/runs", body);

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(second);
        Assert.Equal("https://orchestrator.dev/problems/duplicate-logical-date", (string?)problem["type"]);
    }

    [Fact]
    public async Task GetRun_ReturnsNotFoundProblem_WhenTheRunIsUnknown()
    {
        using var response = await server.Client.GetAsync($"/api/v1/runs/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/not-found", (string?)problem["type"]);
    }

    [Fact]
    public async Task Trigger_RunsShellTasksInTheDataDirectory_WhenOneIsConfigured()
    {
        await using var events = await server.OpenEventsAsync();
        var run = await server.TriggerAsync(SeedWorkflows.WorkingDirectory);

        var detail = await server.WaitForRunAsync(events, (string)run["id"]!);

        var task = detail["tasks"]!.AsArray().Single()!;
        Assert.Equal("succeeded", (string?)task["state"]);
        Assert.Equal(
            [Path.GetFullPath(server.DataDirectory)],
            task["outputs"]!["lastLines"]!.AsArray().Select(l => (string)l!));
    }
}

public sealed class SqliteTriggerRunTests(SqliteServerFixture server) : TriggerRunTests<SqliteServerFixture>(server);

public sealed class PostgresTriggerRunTests(PostgresServerFixture server) : TriggerRunTests<PostgresServerFixture>(server);
