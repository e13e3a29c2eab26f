using System.Net;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

/// <summary>The server's own run timeout and its retry policy for failures that cannot succeed on retry.</summary>
public abstract class RunTimeoutTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task RunTimeout_FailsTheRunStopsItsAttemptAndCancelsWaitingTasks_WhenTheRunPassesItsDeadline()
    {
        await SaveAsync("overdue", """
            {
              "id": "overdue",
              "runTimeout": "PT2S",
              "tasks": [
                { "id": "sleep", "activity": "core.sleep", "with": { "duration": "PT5M" } },
                { "id": "after", "activity": "core.noop", "dependsOn": ["sleep"] }
              ]
            }
            """);
        await using var events = await server.OpenEventsAsync();

        var runId = (string)(await server.TriggerAsync("overdue"))["id"]!;

        var detail = await server.WaitForRunAsync(events, runId);
        Assert.Equal("failed", (string?)detail["run"]!["state"]);
        Assert.Equal("run timed out after PT2S", (string?)detail["run"]!["error"]);
        var sleep = Task(detail, "sleep");
        Assert.Equal("failed", (string?)sleep["state"]);
        var attempt = Assert.Single(sleep["attemptHistory"]!.AsArray())!;
        Assert.Equal("timed_out", (string?)attempt["outcome"]);
        Assert.Equal("stopped: the run timed out", (string?)attempt["error"]);
        Assert.Equal("cancelled", (string?)Task(detail, "after")["state"]);
    }

    [Fact]
    public async Task Failure_IsNotRetriedAndTheLogSaysWhy_WhenAnHttpTaskGets404()
    {
        await SaveAsync("client-error", HttpWorkflow("client-error", retryOn: null));
        await using var events = await server.OpenEventsAsync();

        var runId = (string)(await server.TriggerAsync("client-error"))["id"]!;

        var detail = await server.WaitForRunAsync(events, runId);
        var task = Task(detail, "get");
        Assert.Equal("failed", (string?)task["state"]);
        Assert.Equal(1, (int?)task["attempts"]);
        var lines = (await server.GetObjectAsync($"/api/v1/runs/{runId}/tasks/get/logs"))["lines"]!.AsArray();
        Assert.Contains(lines, l => (string?)l!["message"] == "not retried: HTTP 404 is a client error");
    }

    [Fact]
    public async Task Failure_IsRetried_WhenTheTaskRetriesOnAnyFailure()
    {
        await SaveAsync("client-error-any", HttpWorkflow("client-error-any", retryOn: "any"));
        await using var events = await server.OpenEventsAsync();

        var runId = (string)(await server.TriggerAsync("client-error-any"))["id"]!;

        var task = Task(await server.WaitForRunAsync(events, runId), "get");
        Assert.Equal("failed", (string?)task["state"]);
        Assert.Equal(3, (int?)task["attempts"]);
    }

    private string HttpWorkflow(string id, string? retryOn) => $$"""
        {
          "id": "{{id}}",
          "tasks": [
            { "id": "get", "activity": "core.http", "retries": 2, "retryDelay": "PT0.1S"{{(retryOn is null ? "" : $", \"retryOn\": \"{retryOn}\"")}},
              "with": { "url": "{{new Uri(server.Address, "/api/v1/workflows/does-not-exist")}}" } }
          ]
        }
        """;

    private async Task SaveAsync(string id, string json)
    {
        using var response = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json(json));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{response.StatusCode}");
    }

    private static JsonNode Task(JsonObject detail, string taskId)
        => detail["tasks"]!.AsArray().Single(t => (string?)t!["taskId"] == taskId)!;
}

public sealed class SqliteRunTimeoutTests(SqliteServerFixture server) : RunTimeoutTests<SqliteServerFixture>(server);

public sealed class PostgresRunTimeoutTests(PostgresServerFixture server) : RunTimeoutTests<PostgresServerFixture>(server);
