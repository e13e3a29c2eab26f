using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class RenameDeleteWorkflowTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static string Definition(string id) => $$"""
        { "id": "{{id}}", "tasks": [ { "id": "nothing", "activity": "core.noop" } ] }
        """;

    [Fact]
    public async Task Rename_MovesTheFileToTheNewIdAndKeepsTheOldRuns()
    {
        await CreateAsync("before-rename");
        var run = await RunToEndAsync("before-rename");

        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/before-rename/rename", new { newId = "after-rename" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("after-rename", (string?)detail["workflow"]!["id"]);
        Assert.True((bool?)detail["workflow"]!["active"]);
        Assert.Equal($"\"{detail["workflow"]!["version"]}\"", response.Headers.ETag?.Tag);
        Assert.False(File.Exists(server.WorkflowFile("before-rename")));
        Assert.Equal("after-rename", (string?)JsonNode.Parse(await File.ReadAllTextAsync(server.WorkflowFile("after-rename")))!["id"]);
        Assert.False((bool?)(await server.GetObjectAsync("/api/v1/workflows/before-rename"))["workflow"]!["active"]);
        var runs = await server.GetObjectAsync("/api/v1/runs?workflowId=before-rename");
        Assert.Equal(run, (string?)Assert.Single(runs["items"]!.AsArray())!["id"]);
        await server.TriggerAsync("after-rename");
    }

    [Fact]
    public async Task Rename_AnswersConflictAndLeavesBothFiles_WhenTheNewIdExists()
    {
        await CreateAsync("rename-blocked");
        var files = new[] { server.WorkflowFile("rename-blocked"), server.WorkflowFile(SeedWorkflows.Noop) };
        var before = await Task.WhenAll(files.Select(f => File.ReadAllBytesAsync(f)));

        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/rename-blocked/rename", new { newId = SeedWorkflows.Noop });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("https://orchestrator.dev/problems/workflow-exists", (string?)(await ServerFixture.ReadObjectAsync(response))["type"]);
        Assert.Equal(before, await Task.WhenAll(files.Select(f => File.ReadAllBytesAsync(f))));
    }

    [Fact]
    public async Task Rename_AnswersLocatedErrors_WhenTheNewIdIsNotAnId()
    {
        await CreateAsync("rename-invalid");

        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/rename-invalid/rename", new { newId = "../Not An Id" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("$.id", (string?)(await ServerFixture.ReadObjectAsync(response))["errors"]![0]!["path"]);
        Assert.True(File.Exists(server.WorkflowFile("rename-invalid")));
    }

    [Fact]
    public async Task Rename_AnswersNotFound_WhenTheWorkflowIsUnknown()
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/never-was/rename", new { newId = "still-not" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(File.Exists(server.WorkflowFile("still-not")));
    }

    [Fact]
    public async Task Delete_MovesTheFileToTheHistoryAndDeactivatesTheWorkflowKeepingItsRuns()
    {
        await CreateAsync("to-delete");
        var bytes = await File.ReadAllBytesAsync(server.WorkflowFile("to-delete"));
        var run = await RunToEndAsync("to-delete");

        using var response = await server.Client.DeleteAsync("/api/v1/workflows/to-delete");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(File.Exists(server.WorkflowFile("to-delete")));
        var kept = Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "workflow-history"), "to-delete-*.json"));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(kept));
        Assert.False((bool?)(await server.GetObjectAsync("/api/v1/workflows/to-delete"))["workflow"]!["active"]);
        var runs = await server.GetObjectAsync("/api/v1/runs?workflowId=to-delete");
        Assert.Equal(run, (string?)Assert.Single(runs["items"]!.AsArray())!["id"]);
        using var trigger = await server.Client.PostAsJsonAsync("/api/v1/workflows/to-delete/runs", new { });
        Assert.Equal(HttpStatusCode.Conflict, trigger.StatusCode);
        using var again = await server.Client.DeleteAsync("/api/v1/workflows/to-delete");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Delete_AnswersNotFound_WhenTheWorkflowIsUnknown()
    {
        using var response = await server.Client.DeleteAsync("/api/v1/workflows/never-existed");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_AnswersPreconditionFailedAndKeepsTheFile_WhenTheFileChangedSinceItWasRead()
    {
        var etag = await CreateAsync("delete-guarded");
        await File.WriteAllTextAsync(server.WorkflowFile("delete-guarded"), Definition("delete-guarded").Replace("nothing", "other", StringComparison.Ordinal));
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/workflows/delete-guarded");
        request.Headers.TryAddWithoutValidation("If-Match", etag);

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.True(File.Exists(server.WorkflowFile("delete-guarded")));
    }

    private async Task<string> CreateAsync(string id)
    {
        using var response = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json(Definition(id)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.ETag!.Tag!;
    }

    private async Task<string> RunToEndAsync(string id)
    {
        await using var events = await server.OpenEventsAsync();
        var run = (string)(await server.TriggerAsync(id))["id"]!;
        Assert.Equal("succeeded", (string?)(await server.WaitForRunAsync(events, run))["run"]!["state"]);
        return run;
    }
}

public sealed class SqliteRenameDeleteWorkflowTests(SqliteServerFixture server) : RenameDeleteWorkflowTests<SqliteServerFixture>(server);

public sealed class PostgresRenameDeleteWorkflowTests(PostgresServerFixture server) : RenameDeleteWorkflowTests<PostgresServerFixture>(server);
