using System.Net;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class SaveWorkflowTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static string Definition(string id, string message) => $$"""
        {
          "id": "{{id}}",
          "description": "saved by a test",
          "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{message}}" } } ]
        }
        """;

    [Fact]
    public async Task Put_WritesTheFileWithItsSchemaAndAnswersCreated_WhenTheDefinitionIsValidAndNew()
    {
        using var response = await server.Client.PutAsync("/api/v1/workflows/saved", ServerFixture.Json(Definition("saved", "hi")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/workflows/saved", response.Headers.Location?.OriginalString);
        var detail = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("saved", (string?)detail["workflow"]!["id"]);
        Assert.True((bool?)detail["workflow"]!["active"]);
        var file = JsonNode.Parse(await File.ReadAllTextAsync(server.WorkflowFile("saved")))!;
        Assert.Equal("./workflow.schema.json", (string?)file["$schema"]);
        Assert.Equal("saved", (string?)file["id"]);
        Assert.Equal("saved by a test", (string?)file["description"]);
        Assert.Equal("hi", (string?)file["tasks"]![0]!["with"]!["message"]);
    }

    [Fact]
    public async Task Put_AddsTheWorkflowToTheList_WhenTheDefinitionIsValid()
    {
        using var response = await server.Client.PutAsync("/api/v1/workflows/listed", ServerFixture.Json(Definition("listed", "hi")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var listed = await server.FindInListAsync("listed");

        Assert.NotNull(listed);
        Assert.Equal((string?)(await ServerFixture.ReadObjectAsync(response))["workflow"]!["version"], (string?)listed["version"]);
    }

    [Fact]
    public async Task Put_ReturnsLocatedErrorsAndLeavesTheFile_WhenTheDefinitionIsInvalid()
    {
        using (var first = await server.Client.PutAsync("/api/v1/workflows/kept", ServerFixture.Json(Definition("kept", "first"))))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var before = await File.ReadAllBytesAsync(server.WorkflowFile("kept"));
        const string invalid = """
            {
              "id": "kept",
              "tasks": [ { "id": "say", "activity": "core.nope" } ]
            }
            """;

        using var response = await server.Client.PutAsync("/api/v1/workflows/kept", ServerFixture.Json(invalid));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-workflow", (string?)problem["type"]);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Equal("WF011", (string?)error["code"]);
        Assert.Equal(3, (int?)error["line"]);
        Assert.True((int?)error["column"] > 1);
        Assert.Equal(before, await File.ReadAllBytesAsync(server.WorkflowFile("kept")));
    }

    [Fact]
    public async Task Put_AnswersOkWithTheNewVersionAsETag_WhenIfMatchNamesTheVersionOnDisk()
    {
        var etag = await CreateAsync("guarded", "first");
        var read = await server.Client.GetAsync("/api/v1/workflows/guarded");
        Assert.Equal(etag, read.Headers.ETag?.Tag);

        using var response = await PutAsync("guarded", Definition("guarded", "second"), ("If-Match", etag));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var version = (string?)(await ServerFixture.ReadObjectAsync(response))["workflow"]!["version"];
        Assert.NotEqual(etag, $"\"{version}\"");
        Assert.Equal($"\"{version}\"", response.Headers.ETag?.Tag);
        Assert.Equal("second", (string?)JsonNode.Parse(await File.ReadAllTextAsync(server.WorkflowFile("guarded")))!["tasks"]![0]!["with"]!["message"]);
    }

    [Fact]
    public async Task Put_AnswersPreconditionFailedAndLeavesTheFile_WhenTheFileChangedOnDiskSinceItWasRead()
    {
        var etag = await CreateAsync("changed-meanwhile", "first");
        await File.WriteAllTextAsync(server.WorkflowFile("changed-meanwhile"), Definition("changed-meanwhile", "edited in git"));
        var onDisk = await File.ReadAllBytesAsync(server.WorkflowFile("changed-meanwhile"));

        using var response = await PutAsync("changed-meanwhile", Definition("changed-meanwhile", "from the designer"), ("If-Match", etag));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/workflow-changed", (string?)problem["type"]);
        Assert.Equal(onDisk, await File.ReadAllBytesAsync(server.WorkflowFile("changed-meanwhile")));
        await ServerFixture.WaitUntilAsync(async () => (await server.Client.GetAsync("/api/v1/workflows/changed-meanwhile")).Headers.ETag?.Tag != etag,
            "the watcher loading the edited file");
        var current = (await server.Client.GetAsync("/api/v1/workflows/changed-meanwhile")).Headers.ETag?.Tag;
        Assert.Equal(current, $"\"{(string?)problem["currentVersion"]}\"");
    }

    [Theory]
    [InlineData("*")]
    [InlineData(null)]
    public async Task Put_Overwrites_WhenIfMatchIsAStarOrAbsent(string? ifMatch)
    {
        var id = "overwritten-" + (ifMatch is null ? "plain" : "star");
        await CreateAsync(id, "first");
        await File.WriteAllTextAsync(server.WorkflowFile(id), Definition(id, "edited in git"));

        using var response = await PutAsync(id, Definition(id, "from the designer"), ifMatch is null ? null : ("If-Match", ifMatch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from the designer", (string?)JsonNode.Parse(await File.ReadAllTextAsync(server.WorkflowFile(id)))!["tasks"]![0]!["with"]!["message"]);
    }

    [Fact]
    public async Task Put_AnswersPreconditionFailed_WhenIfNoneMatchStarAndTheWorkflowExists()
    {
        await CreateAsync("taken", "first");
        var before = await File.ReadAllBytesAsync(server.WorkflowFile("taken"));

        using var response = await PutAsync("taken", Definition("taken", "second"), ("If-None-Match", "*"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal(before, await File.ReadAllBytesAsync(server.WorkflowFile("taken")));
    }

    private async Task<string> CreateAsync(string id, string message)
    {
        using var response = await PutAsync(id, Definition(id, message), ("If-None-Match", "*"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.ETag!.Tag!;
    }

    private async Task<HttpResponseMessage> PutAsync(string id, string json, (string Name, string Value)? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/workflows/{id}") { Content = ServerFixture.Json(json) };
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task Put_ReturnsIdMismatchProblem_WhenTheUrlNamesAnotherWorkflow()
    {
        using var response = await server.Client.PutAsync("/api/v1/workflows/other-id", ServerFixture.Json(Definition("mismatched", "hi")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/id-mismatch", (string?)problem["type"]);
        Assert.False(File.Exists(server.WorkflowFile("mismatched")));
        Assert.Null(await server.FindInListAsync("mismatched"));
    }
}

public sealed class SqliteSaveWorkflowTests(SqliteServerFixture server) : SaveWorkflowTests<SqliteServerFixture>(server);

public sealed class PostgresSaveWorkflowTests(PostgresServerFixture server) : SaveWorkflowTests<PostgresServerFixture>(server);
