using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class DraftRunTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static string Draft(string id, string message) => $$$"""
        {
          "definition": {
            "id": "{{{id}}}",
            "params": { "who": { "type": "string", "default": "nobody" } },
            "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{{message}}} {{ params.who }}" } } ]
          },
          "params": { "who": "the designer" }
        }
        """;

    [Fact]
    public async Task Draft_RunsToSuccessWithoutWritingAFile_WhenTheWorkflowIsNew()
    {
        var before = Directory.GetFiles(server.WorkflowsDirectory).Order().ToList();
        await using var events = await server.OpenEventsAsync();

        using var response = await server.Client.PostAsync("/api/v1/runs", ServerFixture.Json(Draft("draft-only", "hello")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal($"/api/v1/runs/{run["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal("draft", (string?)run["kind"]);
        Assert.Equal("draft-only", (string?)run["workflowId"]);
        var detail = await server.WaitForRunAsync(events, (string)run["id"]!);
        Assert.Equal("succeeded", (string?)detail["run"]!["state"]);
        Assert.Equal("hello the designer", (string?)detail["tasks"]![0]!["outputs"]!["message"]);
        Assert.Equal(before, Directory.GetFiles(server.WorkflowsDirectory).Order().ToList());
        Assert.Null(await server.FindInListAsync("draft-only"));
        var listed = await server.GetObjectAsync("/api/v1/runs?workflowId=draft-only");
        Assert.Equal((string?)run["id"], (string?)Assert.Single(listed["items"]!.AsArray())!["id"]);
    }

    [Fact]
    public async Task Draft_IsListedUnderTheWorkflowAndLeavesItsFileAndVersion_WhenTheIdExists()
    {
        var file = await File.ReadAllBytesAsync(server.WorkflowFile(SeedWorkflows.Logger));
        var active = (string?)(await server.GetObjectAsync($"/api/v1/workflows/{SeedWorkflows.Logger}"))["workflow"]!["version"];
        await using var events = await server.OpenEventsAsync();

        using var response = await server.Client.PostAsync("/api/v1/runs", ServerFixture.Json(Draft(SeedWorkflows.Logger, "changed")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await ServerFixture.ReadObjectAsync(response);
        Assert.NotEqual(active, (string?)run["workflowVersion"]);
        var detail = await server.WaitForRunAsync(events, (string)run["id"]!);
        Assert.Equal("succeeded", (string?)detail["run"]!["state"]);
        Assert.Equal(file, await File.ReadAllBytesAsync(server.WorkflowFile(SeedWorkflows.Logger)));
        var workflow = await server.GetObjectAsync($"/api/v1/workflows/{SeedWorkflows.Logger}");
        Assert.Equal(active, (string?)workflow["workflow"]!["version"]);
        Assert.Contains(workflow["versions"]!.AsArray(), v => (string?)v!["version"] == (string?)run["workflowVersion"] && !(bool)v["active"]!);
        Assert.Contains(workflow["workflow"]!["recentRuns"]!.AsArray(), r => (string?)r!["id"] == (string?)run["id"] && (string?)r["kind"] == "draft");
    }

    [Fact]
    public async Task Draft_AnswersLocatedErrorsAndCreatesNoRun_WhenTheDefinitionIsInvalid()
    {
        const string invalid = """
            {
              "definition": {
                "id": "broken-draft",
                "tasks": [ { "id": "say", "activity": "core.nope" } ]
              }
            }
            """;

        using var response = await server.Client.PostAsync("/api/v1/runs", ServerFixture.Json(invalid));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-workflow", (string?)problem["type"]);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Equal("WF011", (string?)error["code"]);
        Assert.Equal("$.tasks[0].activity", (string?)error["path"]);
        Assert.Equal(3, (int?)error["line"]);
        var runs = await server.GetObjectAsync("/api/v1/runs?workflowId=broken-draft");
        Assert.Empty(runs["items"]!.AsArray());
    }

    [Theory]
    [InlineData("""{ "params": {} }""")]
    [InlineData("""{ "definition": [] }""")]
    [InlineData("""{ "definition": {""")]
    public async Task Draft_AnswersBadRequest_WhenTheBodyHasNoDefinitionObject(string body)
    {
        using var response = await server.Client.PostAsync("/api/v1/runs", ServerFixture.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("https://orchestrator.dev/problems/invalid-body", (string?)(await ServerFixture.ReadObjectAsync(response))["type"]);
    }

    [Fact]
    public async Task Draft_AnswersInvalidParams_WhenAParamDoesNotFit()
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/runs", new
        {
            definition = JsonNode.Parse("""{ "id": "typed-draft", "params": { "n": { "type": "integer" } }, "tasks": [ { "id": "t", "activity": "core.noop" } ] }"""),
            @params = new { n = "not a number" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("https://orchestrator.dev/problems/invalid-params", (string?)(await ServerFixture.ReadObjectAsync(response))["type"]);
    }
}

public sealed class SqliteDraftRunTests(SqliteServerFixture server) : DraftRunTests<SqliteServerFixture>(server);

public sealed class PostgresDraftRunTests(PostgresServerFixture server) : DraftRunTests<PostgresServerFixture>(server);

/// <summary>The designer's writes need the editor role: draft runs, saves, renames, deletes.</summary>
public sealed class DraftRunRoleTests : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-0123456789";
    private const string OperatorKey = "operator-key-0123456789";
    private const string EditorKey = "editor-key-0123456789";
    private const string Body = """{ "definition": { "id": "role-draft", "tasks": [ { "id": "t", "activity": "core.noop" } ] } }""";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-draft-roles-" + Guid.NewGuid().ToString("N"));
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_root, settings: new Dictionary<string, string?>
    {
        ["Orchestrator:Security:RequireApiKeys"] = "true",
        ["Orchestrator:Security:ApiKeys:0:Key"] = ViewerKey,
        ["Orchestrator:Security:ApiKeys:0:Role"] = "Viewer",
        ["Orchestrator:Security:ApiKeys:1:Key"] = OperatorKey,
        ["Orchestrator:Security:ApiKeys:1:Role"] = "Operator",
        ["Orchestrator:Security:ApiKeys:2:Key"] = EditorKey,
        ["Orchestrator:Security:ApiKeys:2:Role"] = "Editor",
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData(ViewerKey, HttpStatusCode.Forbidden)]
    [InlineData(OperatorKey, HttpStatusCode.Forbidden)]
    [InlineData(EditorKey, HttpStatusCode.Created)]
    public async Task Draft_NeedsTheEditorRole(string key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/runs") { Content = ServerFixture.Json(Body) };
        request.Headers.Add("X-Api-Key", key);

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/v1/workflows/any/rename", """{ "newId": "other" }""")]
    [InlineData("DELETE", "/api/v1/workflows/any", null)]
    [InlineData("PUT", "/api/v1/workflows/any", """{ "id": "any", "tasks": [ { "id": "t", "activity": "core.noop" } ] }""")]
    public async Task FileChanges_AnswerForbidden_WhenTheKeyIsAnOperators(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : ServerFixture.Json(body) };
        request.Headers.Add("X-Api-Key", OperatorKey);

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(File.Exists(Path.Combine(_root, "workflows", "any.json")));
    }
}
