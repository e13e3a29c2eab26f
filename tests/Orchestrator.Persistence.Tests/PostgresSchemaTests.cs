using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Testing;
using static Orchestrator.Persistence.Tests.Samples;

namespace Orchestrator.Persistence.Tests;

public sealed class PostgresSchemaTests
{
    private static CancellationToken Token => CancellationToken.None;

    [Fact]
    public async Task MigrateAsync_CreatesEveryTable_AndIsIdempotent()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var provider = new ServiceCollection().AddPostgresStore(connection).BuildServiceProvider();
        var migrator = provider.GetRequiredService<DatabaseMigrator>();
        Assert.NotEmpty(await migrator.GetPendingMigrationsAsync(Token));

        await migrator.MigrateAsync(Token);
        await migrator.MigrateAsync(Token);

        Assert.Empty(await migrator.GetPendingMigrationsAsync(Token));
        var tables = await QueryAsync(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        Assert.Superset(
            new HashSet<string> { "attempts", "runs", "task_instances", "task_logs", "trigger_batches", "workflow_states", "workflow_versions", "__EFMigrationsHistory" },
            tables.Select(row => (string)row[0]!).ToHashSet());
    }

    [Fact]
    public async Task MigrateAsync_AppliesEachMigrationOnce_WhenSeveralNodesMigrateANewDatabaseAtOnce()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        var nodes = Enumerable.Range(0, 4).Select(_ => new ServiceCollection().AddPostgresStore(connection).BuildServiceProvider()).ToList();
        try
        {
            await System.Threading.Tasks.Task.WhenAll(nodes.Select(n => System.Threading.Tasks.Task.Run(() => n.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token))));

            Assert.Empty(await nodes[0].GetRequiredService<DatabaseMigrator>().GetPendingMigrationsAsync(Token));
            var applied = await QueryAsync(connection, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"");
            Assert.Equal(applied.Count, applied.Select(row => (string)row[0]!).Distinct().Count());
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Model_HasNoPendingChanges_WhenComparedWithTheLastMigration()
    {
        // Fails when the model changes without `dotnet ef migrations add ... --context PostgresOrchestratorDbContext`.
        await using var provider = await PostgresDatabase.OpenAsync();
        await using var db = await provider.GetRequiredService<IDbContextFactory<PostgresOrchestratorDbContext>>().CreateDbContextAsync(Token);

        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public async Task Database_StoresInstantsAsTimestamptzInUtc_AndStatesAsWireNames()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var provider = await PostgresDatabase.OpenAsync(connection);
        var run = FullRun() with { State = RunState.Failed };
        var runs = provider.GetRequiredService<IRunStore>();
        await runs.CreateAsync(run, [Task(run.Id, "load", TaskState.UpForRetry)], Token);

        var row = Assert.Single(await QueryAsync(connection, "SELECT kind, state, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM runs"));

        Assert.Equal("backfill", row[0]);
        Assert.Equal("failed", row[1]);
        Assert.Equal("2025-03-14T13:09:26.535897", row[2]);
        Assert.Equal("up_for_retry", Assert.Single(await QueryAsync(connection, "SELECT state FROM task_instances"))[0]);
    }

    [Fact]
    public async Task SaveAsync_WritesNothing_WhenPartOfTheChangesFails()
    {
        await using var provider = await PostgresDatabase.OpenAsync();
        var runs = provider.GetRequiredService<IRunStore>();
        var run = Run();
        await runs.CreateAsync(run, [Task(run.Id, "a")], Token);

        await Assert.ThrowsAsync<DbUpdateException>(() => runs.SaveAsync(new RunChanges(
            run with { State = RunState.Running },
            [Task(run.Id, "a", TaskState.Running)],
            [Attempt(run.Id, "missing", 1)]), Token));

        var details = await runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(RunState.Queued, details!.Run.State);
        Assert.Empty(details.Attempts);
    }

    [Fact]
    public async Task CreateRun_KeepsOneRunPerLogicalDate_WhenTwoNodesRace()
    {
        await using var provider = await PostgresDatabase.OpenAsync(s => s.AddSingleton(TimeProvider.System));
        var queue = provider.GetRequiredService<IRunQueue>();
        var template = Run();

        var created = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 8).Select(_ => System.Threading.Tasks.Task.Run(() =>
        {
            var run = template with { Id = Guid.CreateVersion7() };
            return queue.TryCreateRunAsync(run, [Task(run.Id, "a")], Token);
        })));

        Assert.Single(created, c => c);
        Assert.Single(await provider.GetRequiredService<IRunStore>().ListAsync(new RunFilter(template.WorkflowId), new Page(0, 10), Token));
    }

    private static async Task<List<object?[]>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return await DbRows.ReadAllAsync(command, Token);
    }
}
