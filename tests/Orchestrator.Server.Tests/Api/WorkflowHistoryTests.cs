using System.Net;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class WorkflowHistoryTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static string Definition(string id, params string[] tasks) => new JsonObject
    {
        ["id"] = id,
        ["tasks"] = new JsonArray(tasks.Select((t, i) => (JsonNode)new JsonObject
        {
            ["id"] = t,
            ["activity"] = "core.noop",
            ["dependsOn"] = i == 0 ? new JsonArray() : new JsonArray(tasks[i - 1]),
        }).ToArray()),
    }.ToJsonString();

    [Fact]
    public async Task Grid_ReturnsTheNewestRunsWithACellPerTask_WhenRunsEnded()
    {
        await SaveAsync("grid-states", Definition("grid-states", "extract", "load"));
        var runs = new List<string>();
        await using (var events = await server.OpenEventsAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                var run = (string)(await server.TriggerAsync("grid-states"))["id"]!;
                await server.WaitForRunAsync(events, run);
                runs.Add(run);
            }
        }

        var grid = await server.GetObjectAsync("/api/v1/workflows/grid-states/grid?runs=2");

        Assert.Equal(["extract", "load"], grid["tasks"]!.AsArray().Select(t => (string)t!["id"]!));
        var load = grid["tasks"]![1]!;
        Assert.Equal("core.noop", (string?)load["activity"]);
        Assert.Equal(["extract"], load["dependsOn"]!.AsArray().Select(d => (string)d!));
        Assert.Equal("all_success", (string?)load["triggerRule"]);
        var columns = grid["runs"]!.AsArray();
        Assert.Equal([runs[2], runs[1]], columns.Select(r => (string)r!["id"]!));
        Assert.All(columns, r =>
        {
            Assert.Equal("succeeded", (string?)r!["state"]);
            Assert.Equal("manual", (string?)r["kind"]);
            Assert.NotNull(r["version"]);
            Assert.NotNull(r["endedAt"]);
            Assert.Equal(["extract", "load"], r["cells"]!.AsObject().Select(c => c.Key).Order(StringComparer.Ordinal));
            Assert.All(r["cells"]!.AsObject(), c =>
            {
                Assert.Equal("succeeded", (string?)c.Value!["state"]);
                Assert.Equal(1, (int?)c.Value["attempts"]);
                Assert.NotNull(c.Value["startedAt"]);
                Assert.NotNull(c.Value["endedAt"]);
            });
        });
    }

    [Fact]
    public async Task Grid_KeepsRowsOfTasksThatOnlyAnOlderVersionHad_WhenTheWorkflowChanged()
    {
        await SaveAsync("grid-changed", Definition("grid-changed", "old"));
        await using (var events = await server.OpenEventsAsync())
        {
            await server.WaitForRunAsync(events, (string)(await server.TriggerAsync("grid-changed"))["id"]!);
        }

        await SaveAsync("grid-changed", Definition("grid-changed", "new"));

        var grid = await server.GetObjectAsync("/api/v1/workflows/grid-changed/grid");

        Assert.Equal(["new", "old"], grid["tasks"]!.AsArray().Select(t => (string)t!["id"]!));
        Assert.Equal("succeeded", (string?)grid["runs"]!.AsArray().Single()!["cells"]!["old"]!["state"]);
    }

    [Theory]
    [InlineData("/api/v1/workflows/no-such-workflow/grid", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/workflows/noop/grid?runs=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/workflows/noop/grid?runs=101", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/workflows/no-such-workflow/versions", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/workflows/noop/versions/0000000000", HttpStatusCode.NotFound)]
    public async Task History_ReturnsAProblem_WhenTheRequestNamesNothingThatExists(string path, HttpStatusCode expected)
    {
        using var response = await server.Client.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Versions_ListNewestFirstAndServeEachDefinition_WhenTheWorkflowWasSavedTwice()
    {
        var first = await SaveAsync("versioned", Definition("versioned", "before"));
        var second = await SaveAsync("versioned", Definition("versioned", "after"));

        var versions = await server.GetArrayAsync("/api/v1/workflows/versioned/versions");

        Assert.Equal([second, first], versions.Select(v => (string)v!["version"]!));
        Assert.Equal([true, false], versions.Select(v => (bool)v!["active"]!));
        Assert.All(versions, v => Assert.NotNull(v!["createdAt"]));
        var old = await server.GetObjectAsync($"/api/v1/workflows/versioned/versions/{first}");
        Assert.Equal(first, (string?)old["version"]);
        Assert.False((bool?)old["active"]);
        Assert.Equal("before", (string?)old["definition"]!["tasks"]![0]!["id"]);
    }

    private async Task<string> SaveAsync(string id, string json)
    {
        using var response = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json(json));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{response.StatusCode}");
        return (string)(await ServerFixture.ReadObjectAsync(response))["workflow"]!["version"]!;
    }
}

public sealed class SqliteWorkflowHistoryTests(SqliteServerFixture server) : WorkflowHistoryTests<SqliteServerFixture>(server);

public sealed class PostgresWorkflowHistoryTests(PostgresServerFixture server) : WorkflowHistoryTests<PostgresServerFixture>(server);
