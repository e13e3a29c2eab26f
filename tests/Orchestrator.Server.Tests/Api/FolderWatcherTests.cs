using System.Net;
using System.Net.Http.Json;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class FolderWatcherTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task InvalidFile_KeepsTheLastGoodVersionAndShowsErrors_WhenAValidFileIsOverwritten()
    {
        var version = (string?)(await server.FindInListAsync(SeedWorkflows.WatchedBroken))!["version"];

        await File.WriteAllTextAsync(server.WorkflowFile(SeedWorkflows.WatchedBroken), "{ \"id\": \"watched-broken\",\n  \"tasks\": [ ");
        await ServerFixture.WaitUntilAsync(
            async () => (int?)(await server.FindInListAsync(SeedWorkflows.WatchedBroken))!["errorCount"] > 0,
            "the watcher reporting the file's errors");

        var listed = (await server.FindInListAsync(SeedWorkflows.WatchedBroken))!;
        Assert.Equal(version, (string?)listed["version"]);
        Assert.True((bool?)listed["active"]);
        var detail = await server.GetObjectAsync($"/api/v1/workflows/{SeedWorkflows.WatchedBroken}");
        var error = Assert.Single(detail["errors"]!.AsArray())!;
        Assert.Equal("JSON001", (string?)error["code"]);
        Assert.Equal(2, (int?)error["line"]);
        var run = await server.TriggerAsync(SeedWorkflows.WatchedBroken);
        Assert.Equal(version, (string?)run["workflowVersion"]);
    }

    [Fact]
    public async Task DeletedFile_DeactivatesTheWorkflow_WhenItsFileIsRemoved()
    {
        File.Delete(server.WorkflowFile(SeedWorkflows.WatchedDeleted));
        await ServerFixture.WaitUntilAsync(
            async () => (bool?)(await server.FindInListAsync(SeedWorkflows.WatchedDeleted))!["active"] == false,
            "the watcher deactivating the workflow");

        using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{SeedWorkflows.WatchedDeleted}/runs", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/workflow-inactive", (string?)problem["type"]);
    }

    [Fact]
    public async Task NewFile_AddsAnActiveWorkflow_WhenItAppearsInTheFolder()
    {
        Assert.Null(await server.FindInListAsync("watched-added"));

        await File.WriteAllTextAsync(server.WorkflowFile("watched-added"), """
            {
              "id": "watched-added",
              "tasks": [ { "id": "nothing", "activity": "core.noop" } ]
            }
            """);
        await ServerFixture.WaitUntilAsync(async () => await server.FindInListAsync("watched-added") is not null, "the watcher loading the new file");

        var listed = (await server.FindInListAsync("watched-added"))!;
        Assert.True((bool?)listed["active"]);
        Assert.Equal(0, (int?)listed["errorCount"]);
        Assert.Equal("watched-added.json", (string?)listed["file"]);
    }
}

public sealed class SqliteFolderWatcherTests(SqliteServerFixture server) : FolderWatcherTests<SqliteServerFixture>(server);

public sealed class PostgresFolderWatcherTests(PostgresServerFixture server) : FolderWatcherTests<PostgresServerFixture>(server);
