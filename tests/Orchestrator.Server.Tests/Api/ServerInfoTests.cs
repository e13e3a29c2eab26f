using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class ServerInfoTests<TFixture>(TFixture server, string database) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Server_DescribesTheNodeAndCallsEveryCallerAdmin_WhenKeysAreNotRequired()
    {
        var info = await server.GetObjectAsync("/api/v1/server");

        Assert.Equal("test-node", (string?)info["node"]);
        Assert.Equal(database, (string?)info["database"]);
        Assert.False((bool?)info["keysRequired"]);
        Assert.Equal("admin", (string?)info["role"]);
        Assert.False(string.IsNullOrEmpty((string?)info["version"]));
        Assert.Null(info["publicUrl"]);
    }
}

public sealed class SqliteServerInfoTests(SqliteServerFixture server) : ServerInfoTests<SqliteServerFixture>(server, "sqlite");

public sealed class PostgresServerInfoTests(PostgresServerFixture server) : ServerInfoTests<PostgresServerFixture>(server, "postgresql");

public sealed class ServerInfoWithKeysTests : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-0123456789";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-server-info-" + Guid.NewGuid().ToString("N"));
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_root, settings: new Dictionary<string, string?>
    {
        ["Orchestrator:Security:RequireApiKeys"] = "true",
        ["Orchestrator:Security:ApiKeys:0:Key"] = ViewerKey,
        ["Orchestrator:Security:ApiKeys:0:Role"] = "Viewer",
        ["Orchestrator:PublicUrl"] = "https://orchestrator.example.com",
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("not-a-valid-key-at-all", null)]
    [InlineData(ViewerKey, "viewer")]
    public async Task Server_TellsTheRoleOfThePresentedKey_WhenKeysAreRequired(string? key, string? role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/server");
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = await ServerFixture.ReadObjectAsync(response);
        Assert.True((bool?)info["keysRequired"]);
        Assert.Equal(role, (string?)info["role"]);
        Assert.Equal("https://orchestrator.example.com", (string?)info["publicUrl"]);
    }

    [Fact]
    public async Task OtherEndpoints_StillRequireAKey_WhenServerIsOpenToAnonymousCallers()
    {
        using var response = await _server.Client.GetAsync("/api/v1/workflows");

        // As the OpenAPI document declares: a ProblemDetails body.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OperatorEndpoints_AnswerForbiddenProblem_WhenTheKeyIsAViewers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workflows/any/runs") { Content = ServerFixture.Json("{}") };
        request.Headers.Add("X-Api-Key", ViewerKey);

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
