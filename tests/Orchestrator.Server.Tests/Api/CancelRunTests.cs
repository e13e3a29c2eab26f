using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class CancelRunTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Cancel_EndsTheRunCancelled_WhenItsTaskIsRunning()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Sleeper))["id"]!;
        await events.WaitForAsync(e => e.Name == "task" && e.RunId == runId && e.State == "running", ServerFixture.Patience, "the sleep task running");

        using var response = await server.Client.PostAsync($"/api/v1/runs/{runId}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/v1/runs/{runId}", response.Headers.Location?.OriginalString);
        var detail = await server.WaitForRunAsync(events, runId);
        Assert.Equal("cancelled", (string?)detail["run"]!["state"]);
        var task = detail["tasks"]!.AsArray().Single()!;
        Assert.Equal("cancelled", (string?)task["state"]);
        Assert.Equal("cancelled", (string?)task["attemptHistory"]![0]!["outcome"]);
    }

    [Fact]
    public async Task Cancel_ReturnsRunFinishedConflict_WhenTheRunHasEnded()
    {
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(SeedWorkflows.Noop))["id"]!;
        Assert.Equal("succeeded", (string?)(await server.WaitForRunAsync(events, runId))["run"]!["state"]);

        using var response = await server.Client.PostAsync($"/api/v1/runs/{runId}/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/run-finished", (string?)problem["type"]);
    }
}

public sealed class SqliteCancelRunTests(SqliteServerFixture server) : CancelRunTests<SqliteServerFixture>(server);

public sealed class PostgresCancelRunTests(PostgresServerFixture server) : CancelRunTests<PostgresServerFixture>(server);
