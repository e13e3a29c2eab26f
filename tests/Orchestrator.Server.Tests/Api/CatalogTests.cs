using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public abstract class CatalogTests<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [Fact]
    public async Task Activities_ListCoreShellWithItsSchemas_WhenTheCoreActivitiesAreRegistered()
    {
        var activities = await server.GetArrayAsync("/api/v1/activities");

        var shell = Assert.Single(activities, a => (string?)a!["type"] == "core.shell")!;
        var schema = shell["inputSchema"]!;
        Assert.Equal("object", (string?)schema["type"]);
        Assert.NotNull(schema["properties"]!["executable"]);
        Assert.NotNull(schema["properties"]!["args"]);
        Assert.Contains("executable", schema["required"]!.AsArray().Select(r => (string?)r));
        Assert.NotNull(shell["outputSchema"]!["properties"]!["exitCode"]);
    }
}

public sealed class SqliteCatalogTests(SqliteServerFixture server) : CatalogTests<SqliteServerFixture>(server);

public sealed class PostgresCatalogTests(PostgresServerFixture server) : CatalogTests<PostgresServerFixture>(server);
