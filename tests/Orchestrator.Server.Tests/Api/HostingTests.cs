using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class HostingTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Live_ReturnsOk_WhenTheServerRuns()
    {
        using var response = await server.Client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_ReturnsOk_WhenTheWorkflowsAreScheduled()
    {
        // Readiness follows the scheduler's start, which runs in the background after the server started.
        await server.WaitUntilReadyAsync();
    }

    [Fact]
    public async Task OpenApi_DescribesTheApi_WhenRequested()
    {
        using var response = await server.Client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await ServerFixture.ReadObjectAsync(response);
        Assert.NotNull(document["paths"]!["/api/v1/workflows"]);
        Assert.NotNull(document["paths"]!["/api/v1/workflows/{id}/runs"]!["post"]);
        Assert.NotNull(document["paths"]!["/api/v1/events"]!["get"]);
    }

    [Fact]
    public async Task Metrics_CountTheSucceededRun_WhenARunOfTheWorkflowSucceeded()
    {
        // The fixture's server is shared by the tests of this class: a fresh id keeps their runs out.
        var id = "metrics-" + Guid.NewGuid().ToString("N")[..12];
        using (var save = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json($$"""
            { "id": "{{id}}", "tasks": [ { "id": "nothing", "activity": "core.noop" } ] }
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, save.StatusCode);
        }

        var sample = $"orchestrator_runs_total{{workflow=\"{id}\",state=\"succeeded\"}} 1";
        Assert.DoesNotContain(sample, await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
        await using var events = await server.OpenEventsAsync();
        var runId = (string)(await server.TriggerAsync(id))["id"]!;
        Assert.Equal("succeeded", (string?)(await server.WaitForRunAsync(events, runId))["run"]!["state"]);

        var metrics = await server.Client.GetStringAsync("/metrics");

        Assert.Contains(sample, metrics, StringComparison.Ordinal);
        Assert.Contains($"orchestrator_task_instances_total{{workflow=\"{id}\",state=\"succeeded\"}} 1", metrics, StringComparison.Ordinal);
    }
}

public sealed class SqliteHostingTests(SqliteServerFixture server) : HostingTests<SqliteServerFixture>(server);

public sealed class PostgresHostingTests(PostgresServerFixture server) : HostingTests<PostgresServerFixture>(server);
