using Npgsql;
using Orchestrator.Activities.Sql;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Tests.Sql;

public sealed class SqlConnectionsTests
{
    private static Connection Postgres(Dictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string> { ["host"] = "db.example", ["port"] = "6543", ["database"] = "dw", ["username"] = "etl", ["password"] = "pw-1234" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new Connection("warehouse", ConnectionTypes.PostgreSql, settings);
    }

    [Fact]
    public void PostgresConnectionString_PassesQuerySettingsOn_WhenNpgsqlKnowsThem()
    {
        var built = new NpgsqlConnectionStringBuilder(SqlConnections.PostgresConnectionString(Postgres(new() { ["sslmode"] = "require", ["timeout"] = "3" })));

        Assert.Equal(("db.example", 6543, "dw", "etl", "pw-1234"), (built.Host, built.Port, built.Database, built.Username, built.Password));
        Assert.Equal(SslMode.Require, built.SslMode);
        Assert.Equal(3, built.Timeout);
    }

    [Fact]
    public void PostgresConnectionString_FailsNamingSetting_WhenNpgsqlDoesNotKnowIt()
    {
        var error = Assert.Throws<ActivityFailedException>(() => SqlConnections.PostgresConnectionString(Postgres(new() { ["colour"] = "blue" })));

        Assert.Contains("setting colour=blue is not a PostgreSQL connection setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresConnectionString_MasksValue_WhenSecretSettingIsInvalid()
    {
        var error = Assert.Throws<ActivityFailedException>(() => SqlConnections.PostgresConnectionString(Postgres(new() { ["sslpassword-x"] = "hidden-value" })));

        Assert.DoesNotContain("hidden-value", error.Message, StringComparison.Ordinal);
        Assert.Contains("sslpassword-x=***", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_DoublesQuotes_WhenIdentifierHasThem()
        => Assert.Equal("\"mart\".\"odd\"\"name\"", SqlConnections.QualifiedName("mart", "odd\"name"));
}
