using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Hosting;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

/// <summary>
/// The inputs that once took a node down, sent through the API: a lone surrogate escape, bytes that are not UTF-8,
/// a param pattern that backtracks forever. Each gets a 4xx (or the validate endpoint's answer) with a located
/// error, never a 500.
/// </summary>
public sealed class HostileRequestTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    private static ByteArrayContent Body(byte[] bytes) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    [Theory]
    [InlineData("surrogate", HttpStatusCode.UnprocessableEntity, "JSON003")]
    [InlineData("latin1", HttpStatusCode.BadRequest, "JSON002")]
    [InlineData("backtracking", HttpStatusCode.UnprocessableEntity, "WF018")]
    public async Task Put_AnswersProblemWithLocatedError_ForHostileDefinition(string name, HttpStatusCode status, string code)
    {
        using var response = await server.Client.PutAsync($"/api/v1/workflows/{name}", Body(HostileWorkflowFileTests.Hostile[name]));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Equal(code, (string?)error["code"]);
        Assert.True((int?)error["line"] >= 1 && (int?)error["column"] > 1, error.ToJsonString());
        Assert.False(File.Exists(server.WorkflowFile(name)));
    }

    [Theory]
    [InlineData("surrogate", "JSON003")]
    [InlineData("latin1", "JSON002")]
    [InlineData("backtracking", "WF018")]
    public async Task Validate_ReturnsLocatedError_ForHostileDefinition(string name, string code)
    {
        using var response = await server.Client.PostAsync("/api/v1/validate", Body(HostileWorkflowFileTests.Hostile[name]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.False((bool?)result["valid"]);
        var error = Assert.Single(result["errors"]!.AsArray())!;
        Assert.Equal(code, (string?)error["code"]);
    }

    [Theory]
    [InlineData("pattern-nested", "^(a+)+$", "does not match")]
    [InlineData("pattern-backreference", "^(a+)+\\\\1$", "could not be checked")]
    public async Task TriggerRun_AnswersInvalidParams_WhenAValueMakesThePatternBacktrack(string id, string pattern, string reason)
    {
        var definition = $$"""
            { "id": "{{id}}", "params": { "code": { "type": "string", "pattern": "{{pattern}}" } },
              "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """;
        using (var saved = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json(definition)))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        var value = new string('a', 64) + "!";
        using var response = await server.Client.PostAsync($"/api/v1/workflows/{id}/runs", ServerFixture.Json($$"""{ "params": { "code": "{{value}}" } }"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-params", (string?)problem["type"]);
        Assert.Contains(reason, (string?)problem["errors"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerRun_AnswersInvalidParams_WhenAParamHoldsALoneSurrogate()
    {
        using (var saved = await server.Client.PutAsync("/api/v1/workflows/pattern-surrogate", ServerFixture.Json("""
            { "id": "pattern-surrogate", "params": { "code": { "type": "string", "pattern": "^[a-z]+$" } },
              "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        using var response = await server.Client.PostAsync("/api/v1/workflows/pattern-surrogate/runs", ServerFixture.Json("""{ "params": { "code": "ab\ud800" } }"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
