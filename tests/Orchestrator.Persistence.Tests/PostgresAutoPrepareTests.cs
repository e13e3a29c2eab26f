using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Testing;

namespace Orchestrator.Persistence.Tests;

/// <summary>The stores' PostgreSQL connections prepare the statements they repeat, unless the connection string says otherwise.</summary>
public sealed class PostgresAutoPrepareTests
{
    [Fact]
    public void DataSource_AutoPrepares_WhenTheConnectionStringLeavesItUnset()
    {
        var settings = SettingsOf("Host=localhost;Database=orchestrator;Username=orchestrator");

        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.Equal(2, settings.AutoPrepareMinUsages);
    }

    [Fact]
    public void DataSource_KeepsTheConnectionStringsChoice_WhenItSetsAutoPrepare()
    {
        var settings = SettingsOf("Host=localhost;Database=orchestrator;Username=orchestrator;max auto prepare=0;AutoPrepareMinUsages=7");

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal(7, settings.AutoPrepareMinUsages);
    }

    [Fact]
    public async Task RepeatedStatement_IsPreparedOnTheConnection()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("prepare");
        await using var provider = new ServiceCollection().AddPostgresStore(connection).BuildServiceProvider();
        await using var db = await provider.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        for (var i = 0; i < 3; i++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname = $1", db) { Parameters = { new() { Value = "pg_type" } } };
            await command.ExecuteScalarAsync();
        }

        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%relname = $1%'", db);
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }

    private static NpgsqlConnectionStringBuilder SettingsOf(string connectionString)
    {
        using var provider = new ServiceCollection().AddPostgresStore(connectionString).BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }
}
