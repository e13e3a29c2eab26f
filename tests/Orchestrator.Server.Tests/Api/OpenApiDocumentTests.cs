using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

/// <summary>
/// The OpenAPI document the web UI's client is generated from is committed beside the UI; it must be the one the
/// server serves. <c>UPDATE_OPENAPI=1</c> rewrites the committed copy instead of failing.
/// </summary>
public sealed class OpenApiDocumentTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    private static readonly string Committed = Path.Combine(Repository.Root, "src", "Orchestrator.Server", "ui", "src", "api", "openapi.json");

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task Document_EqualsTheCommittedCopy_WhenServedByARunningServer()
    {
        var live = await server.GetObjectAsync("/openapi/v1.json");
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(Committed, live.ToJsonString(Indented) + "\n");
        }

        var committed = File.Exists(Committed) ? JsonNode.Parse(await File.ReadAllTextAsync(Committed)) : null;

        Assert.True(JsonNode.DeepEquals(live, committed),
            $"{Committed} differs from the server's /openapi/v1.json: run the test with UPDATE_OPENAPI=1 to rewrite it, " +
            "then regenerate the web UI's client from it and commit both.");
    }

    [Fact]
    public async Task Document_NamesEveryOperationAndSecuresEveryOneButTheServerDescription()
    {
        var paths = (await server.GetObjectAsync("/openapi/v1.json"))["paths"]!.AsObject();

        var operations = paths.SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Operation: o.Value!))).ToList();
        var names = operations.Select(o => (string?)o.Operation["operationId"]).ToList();
        Assert.All(names, n => Assert.Matches("^[a-z][A-Za-z]+$", n));
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(operations.Where(o => o.Path != "/api/v1/server"), o =>
        {
            Assert.NotNull(o.Operation["security"]);
            Assert.Equal("application/problem+json", o.Operation["responses"]!["401"]!["content"]!.AsObject().Single().Key);
        });
    }

    [Fact]
    public async Task Document_TypesIntegersAsIntegersAndParamsAsOpenObjects()
    {
        var document = await server.GetObjectAsync("/openapi/v1.json");
        var schemas = document["components"]!["schemas"]!;

        Assert.DoesNotContain("\"pattern\":\"^-?(?:0|[1-9]\\\\d*)$\"", document.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("integer", (string?)schemas["TaskInstanceDto"]!["properties"]!["attempts"]!["type"]);
        Assert.NotNull(schemas["RunDto"]!["properties"]!["params"]!["additionalProperties"]);
        Assert.Null(schemas["TriggerRequest"]!["required"]);
        Assert.Equal("apiKey", (string?)document["components"]!["securitySchemes"]!["ApiKey"]!["type"]);
        Assert.Equal("X-Api-Key", (string?)document["components"]!["securitySchemes"]!["ApiKey"]!["name"]);
        Assert.Equal("#/components/schemas/WorkflowDefinition",
            (string?)document["paths"]!["/api/v1/workflows/{id}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
    }
}
