using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class WorkflowListTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task List_ReturnsEverySeededWorkflow_WhenTheFolderHasJustBeenLoaded()
    {
        var list = await server.GetArrayAsync("/api/v1/workflows");

        Assert.Equal(SeedWorkflows.All.Keys.Order(StringComparer.Ordinal), list.Select(w => (string)w!["id"]!));
        Assert.All(list, w =>
        {
            Assert.Matches("^[0-9a-f]{8,}$", (string?)w!["version"]);
            Assert.True((bool?)w["active"]);
            Assert.False((bool?)w["paused"]);
            Assert.Equal(0, (int?)w["errorCount"]);
            Assert.Equal((string)w["id"]! + ".json", (string?)w["file"]);
        });
    }

    [Fact]
    public async Task List_ShowsTheScheduleAndNextRun_WhenTheWorkflowHasOne()
    {
        await server.WaitUntilReadyAsync();

        var hourly = (await server.FindInListAsync(SeedWorkflows.Hourly))!;
        var manual = (await server.FindInListAsync(SeedWorkflows.Noop))!;

        Assert.Equal("0 * * * *", (string?)hourly["schedule"]!["cron"]);
        Assert.Equal("UTC", (string?)hourly["schedule"]!["timezone"]);
        Assert.NotNull(hourly["nextRunAt"]);
        Assert.Null(manual["schedule"]);
        Assert.Null(manual["nextRunAt"]);
    }

    [Fact]
    public async Task List_ShowsTheTenNewestRunsOfEachWorkflow_WhenAWorkflowRanMoreOften()
    {
        var runs = new List<string>();
        await using (var events = await server.OpenEventsAsync())
        {
            for (var i = 0; i < 11; i++)
            {
                var run = (string)(await server.TriggerAsync(SeedWorkflows.Noop))["id"]!;
                await server.WaitForRunAsync(events, run);
                runs.Add(run);
            }
        }

        var noop = (await server.FindInListAsync(SeedWorkflows.Noop))!;
        var never = (await server.FindInListAsync(SeedWorkflows.Sleeper))!;

        var recent = noop["recentRuns"]!.AsArray();
        Assert.Equal(Enumerable.Reverse(runs).Take(10), recent.Select(r => (string)r!["id"]!));
        Assert.All(recent, r =>
        {
            Assert.Equal("succeeded", (string?)r!["state"]);
            Assert.NotNull(r["logicalDate"]);
            Assert.NotNull(r["createdAt"]);
        });
        Assert.Equal(runs[^1], (string?)noop["lastRun"]!["id"]);
        Assert.Empty(never["recentRuns"]!.AsArray());
    }

    [Fact]
    public async Task Get_ReturnsTheDefinitionAndItsVersion_WhenTheWorkflowIsKnown()
    {
        var detail = await server.GetObjectAsync($"/api/v1/workflows/{SeedWorkflows.Flaky}");

        var version = (string)detail["workflow"]!["version"]!;
        Assert.Equal(SeedWorkflows.Flaky, (string?)detail["definition"]!["id"]);
        Assert.Equal("core.fail", (string?)detail["definition"]!["tasks"]![0]!["activity"]);
        Assert.Equal([version], detail["versions"]!.AsArray().Select(v => (string)v!["version"]!));
        Assert.Empty(detail["errors"]!.AsArray());
    }

    [Fact]
    public async Task Get_ReturnsNotFoundProblem_WhenTheWorkflowIsUnknown()
    {
        using var response = await server.Client.GetAsync("/api/v1/workflows/no-such-workflow");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class SqliteWorkflowListTests(SqliteServerFixture server) : WorkflowListTests<SqliteServerFixture>(server);

public sealed class PostgresWorkflowListTests(PostgresServerFixture server) : WorkflowListTests<PostgresServerFixture>(server);
