using System.Net;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class ValidateTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Validate_ReturnsLocatedErrors_WhenTheDefinitionIsMalformed()
    {
        const string definition = """
            {
              "id": "broken",
              "sheduel": "0 * * * *",
              "tasks": [
                { "id": "a", "activity": "core.noop", "dependsOn": ["missing"] }
              ]
            }
            """;

        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json(definition));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.False((bool?)result["valid"]);
        var errors = result["errors"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var unknown = Assert.Single(errors, e => (string?)e["code"] == "WF001");
        Assert.Equal((3, 3, "$.sheduel"), ((int)unknown["line"]!, (int)unknown["column"]!, (string)unknown["path"]!));
        var dependency = Assert.Single(errors, e => (string?)e["code"] == "WF012");
        Assert.Equal((5, 57, "$.tasks[0].dependsOn[0]"), ((int)dependency["line"]!, (int)dependency["column"]!, (string)dependency["path"]!));
        Assert.Contains("missing", (string?)dependency["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ReportsEachMistakeOfATrigger_WithItsCodeAndPlace()
    {
        const string definition = """
            {
              "id": "ingest",
              "triggers": [
                { "type": "kafka", "connection": "evnts", "topik": "orders", "batchSize": 0, "maxWait": "soon" }
              ],
              "tasks": [ { "id": "a", "activity": "core.log", "with": { "message": "{{ trigger.cuont }}" } } ]
            }
            """;

        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json(definition));

        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.False((bool?)result["valid"]);
        var errors = result["errors"]!.AsArray().Select(e => ((string)e!["code"]!, (int)e["line"]!, (int)e["column"]!, (string)e["path"]!)).ToList();
        Assert.Equal(
            [
                ("WF002", 4, 5, "$.triggers[0]"),
                ("WF050", 4, 38, "$.triggers[0].connection"),
                ("WF001", 4, 47, "$.triggers[0].topik"),
                ("WF006", 4, 79, "$.triggers[0].batchSize"),
                ("WF016", 4, 93, "$.triggers[0].maxWait"),
                ("WF025", 6, 72, "$.tasks[0].with.message"),
            ],
            errors);
        var connection = result["errors"]!.AsArray().Single(e => (string?)e!["code"] == "WF050")!;
        Assert.Contains("did you mean 'events'", (string?)connection["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ReturnsJsonError_WhenTheBodyIsNotJson()
    {
        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json("{ \"id\": \"x\",\n  \"tasks\": [ }"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.False((bool?)result["valid"]);
        var error = Assert.Single(result["errors"]!.AsArray())!;
        Assert.Equal("JSON001", (string?)error["code"]);
        Assert.Equal(2, (int?)error["line"]);
    }

    [Fact]
    public async Task Validate_ReturnsValid_WhenTheDefinitionIsCorrect()
    {
        using var response = await server.Client.PostAsync("/api/v1/validate", ServerFixture.Json(SeedWorkflows.All[SeedWorkflows.Flaky]));

        var result = await ServerFixture.ReadObjectAsync(response);
        Assert.True((bool?)result["valid"]);
        Assert.Empty(result["errors"]!.AsArray());
    }
}

public sealed class SqliteValidateTests(SqliteServerFixture server) : ValidateTests<SqliteServerFixture>(server);

public sealed class PostgresValidateTests(PostgresServerFixture server) : ValidateTests<PostgresServerFixture>(server);
