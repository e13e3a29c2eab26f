using System.Net;
using System.Text;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

/// <summary>Requests that are wrong get a 4xx ProblemDetails that says why, never a 500 or a silent repair.</summary>
public sealed class WrongRequestTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task Put_AnswersLocatedError_WhenTheIdIsLongerThan128Characters()
    {
        var id = new string('w', 200);
        using var response = await server.Client.PutAsync($"/api/v1/workflows/{id}", ServerFixture.Json(
            $$"""{ "id": "{{id}}", "tasks": [ { "id": "a", "activity": "core.noop" } ] }"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Equal(("WF006", "$.id"), ((string?)error["code"], (string?)error["path"]));
        Assert.Contains("128", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_Answers413_WhenTheBodyIsLargerThanTheDefaultLimit()
    {
        // A valid definition of 6 MiB: over the 5 MiB default, so nothing of it may be read or written.
        var description = new string('x', 6 * 1024 * 1024);
        using var response = await SendLargeAsync(HttpMethod.Put, "/api/v1/workflows/huge", ServerFixture.Json(
            $$"""{ "id": "huge", "description": "{{description}}", "tasks": [ { "id": "a", "activity": "core.noop" } ] }"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(server.WorkflowFile("huge")));
    }

    [Fact]
    public async Task Validate_Answers413_WhenTheBodyIs50MiB()
    {
        using var response = await SendLargeAsync(HttpMethod.Post, "/api/v1/validate",
            new ByteArrayContent(new byte[50 * 1024 * 1024]) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/runs?take=-5")]
    [InlineData("/api/v1/runs?take=0")]
    [InlineData("/api/v1/alerts?take=-1")]
    public async Task List_Answers400_ForAPageThatCannotExist(string path)
    {
        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-page", (string?)problem["type"]);
    }

    [Theory]
    [InlineData("/api/v1/runs?cursor=not-a-cursor")]
    [InlineData("/api/v1/runs?workflowId=x&cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/api/v1/runs?cursor=%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F")]
    [InlineData("/api/v1/runs?cursor=")]
    [InlineData("/api/v1/alerts?cursor=%24%24")]
    public async Task List_Answers400Problem_ForACursorNoAnswerGave(string path)
    {
        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-cursor", (string?)problem["type"]);
    }

    [Fact]
    public async Task Put_Answers400_WhenTheBodyIsNotUtf8_InsteadOfSavingU_FFFD()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{ \"id\": \"latin\", \"description\": \"caf"), 0xE9, .. Encoding.UTF8.GetBytes("\", \"tasks\": [ { \"id\": \"a\", \"activity\": \"core.noop\" } ] }")];
        using var response = await server.Client.PutAsync("/api/v1/workflows/latin", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ServerFixture.ReadObjectAsync(response);
        Assert.Equal("https://orchestrator.dev/problems/invalid-encoding", (string?)problem["type"]);
        Assert.False(File.Exists(server.WorkflowFile("latin")));
    }

    /// <summary>
    /// As a well-behaved client of a large upload does: asks first (Expect: 100-continue), so a refusal comes before
    /// the body is sent rather than as a connection reset in the middle of it.
    /// </summary>
    private async Task<HttpResponseMessage> SendLargeAsync(HttpMethod method, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return await server.Client.SendAsync(request);
    }
}
