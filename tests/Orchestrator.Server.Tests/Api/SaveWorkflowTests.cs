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
    public async Task Put_WritesTheFileWithItsSchema_WhenTheDefinitionIsValid()
    {
        using var response = await server.Client.PutAsync("/api/v1/workflows/saved", ServerFixture.Json(Definition("saved", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var listed = await server.FindInListAsync("listed");

        Assert.NotNull(listed);
        Assert.Equal((string?)(await ServerFixture.ReadObjectAsync(response))["workflow"]!["version"], (string?)listed["version"]);
    }

    [Fact]
    public async Task Put_ReturnsLocatedErrorsAndLeavesTheFile_WhenTheDefinitionIsInvalid()
    {
        using (var first = await server.Client.PutAsync("/api/v1/workflows/kept", ServerFixture.Json(Definition("kept", "first"))))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
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
