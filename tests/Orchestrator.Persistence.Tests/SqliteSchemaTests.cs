using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Persistence.Stores;
using static Orchestrator.Persistence.Tests.Samples;

namespace Orchestrator.Persistence.Tests;

public sealed class SqliteSchemaTests(TempDirectory directory) : IClassFixture<TempDirectory>
{
    private static CancellationToken Token => CancellationToken.None;

    [Fact]
    public async Task MigrateAsync_CreatesEveryTable_WhenDatabaseIsNew()
    {
        var path = directory.NewDatabasePath();
        await using var provider = new ServiceCollection().AddSqliteStore(path).BuildServiceProvider();
        var migrator = provider.GetRequiredService<DatabaseMigrator>();
        Assert.NotEmpty(await migrator.GetPendingMigrationsAsync(Token));

        await migrator.MigrateAsync(Token);

        Assert.True(File.Exists(path));
        Assert.Empty(await migrator.GetPendingMigrationsAsync(Token));
        var tables = await QueryAsync(provider, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        Assert.Superset(
            new HashSet<string> { "attempts", "runs", "task_instances", "task_logs", "trigger_batches", "workflow_versions", "__EFMigrationsHistory" },
            tables.Select(row => (string)row[0]!).ToHashSet());
    }

    [Fact]
    public async Task MigrateAsync_KeepsData_WhenDatabaseIsAlreadyCurrent()
    {
        var path = directory.NewDatabasePath();
        var run = Run();
        await using (var first = await SqliteDatabase.OpenAsync(path))
        {
            await first.GetRequiredService<IRunStore>().CreateAsync(run, [], Token);
        }

        await using var second = await SqliteDatabase.OpenAsync(path);

        RecordAssert.Equal(run, await second.GetRequiredService<IRunStore>().FindAsync(run.Id, Token));
    }

    [Fact]
    public async Task Model_HasNoPendingChanges_WhenComparedWithTheLastMigration()
    {
        // Fails when the model changes without `dotnet ef migrations add ... --output-dir Migrations/Sqlite`.
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        await using var db = await provider.GetRequiredService<IDbContextFactory<SqliteOrchestratorDbContext>>().CreateDbContextAsync(Token);

        Assert.False(db.Database.HasPendingModelChanges());
        Assert.Contains(await db.Database.GetAppliedMigrationsAsync(Token), m => m.EndsWith("_InitialCreate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Database_ReadsLikeTheApi_WhenRowsAreWritten()
    {
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        var run = FullRun() with { State = RunState.Failed };
        var runs = provider.GetRequiredService<IRunStore>();
        await runs.CreateAsync(run, [Task(run.Id, "load", TaskState.UpForRetry)], Token);
        await runs.SaveAsync(new RunChanges(null, [], [Attempt(run.Id, "load", 1) with { Outcome = AttemptOutcome.TimedOut }]), Token);
        await provider.GetRequiredService<ITaskLogStore>().AppendAsync([Line(run.Id, "load", 1, 1, Microsoft.Extensions.Logging.LogLevel.Warning)], Token);

        var row = Assert.Single(await QueryAsync(provider, "SELECT kind, state, created_at, params_json, trigger_json FROM runs"));
        Assert.Equal("backfill", row[0]);
        Assert.Equal("failed", row[1]);
        Assert.Equal("2025-03-14T13:09:26.5358970Z", row[2]);
        Assert.Contains("\"region\":\"eu-west\"", (string)row[3]!, StringComparison.Ordinal);
        Assert.Contains("\"path\":\"triggers/orders/0192.jsonl\"", (string)row[4]!, StringComparison.Ordinal);
        Assert.Equal("up_for_retry", Assert.Single(await QueryAsync(provider, "SELECT state FROM task_instances"))[0]);
        Assert.Equal("timed_out", Assert.Single(await QueryAsync(provider, "SELECT outcome FROM attempts"))[0]);
        Assert.Equal("warning", Assert.Single(await QueryAsync(provider, "SELECT level FROM task_logs"))[0]);
    }

    [Fact]
    public async Task Connection_UsesWalAndNormalSync_WhenOpened()
    {
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());

        var pragmas = Assert.Single(await QueryAsync(provider, "SELECT * FROM pragma_journal_mode(), pragma_synchronous(), pragma_busy_timeout(), pragma_foreign_keys()"));

        Assert.Equal("wal", pragmas[0]);
        Assert.Equal(1L, pragmas[1]);
        Assert.Equal(30_000L, pragmas[2]);
        Assert.Equal(1L, pragmas[3]);
    }

    [Fact]
    public async Task SaveAsync_WritesNothing_WhenPartOfTheChangesFails()
    {
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        var runs = provider.GetRequiredService<IRunStore>();
        var run = Run();
        await runs.CreateAsync(run, [Task(run.Id, "a")], Token);

        // The attempt names a task the run does not have: the foreign key rejects it, and with it the whole change.
        await Assert.ThrowsAsync<DbUpdateException>(() => runs.SaveAsync(new RunChanges(
            run with { State = RunState.Running },
            [Task(run.Id, "a", TaskState.Running)],
            [Attempt(run.Id, "missing", 1)]), Token));

        var details = await runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(RunState.Queued, details!.Run.State);
        Assert.Equal(TaskState.Pending, Assert.Single(details.Tasks).State);
        Assert.Empty(details.Attempts);
    }

    [Fact]
    public async Task SaveAsync_AppendsTaskAfterTheOthers_WhenRunWasNotCreatedWithIt()
    {
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        var runs = provider.GetRequiredService<IRunStore>();
        var run = Run();
        await runs.CreateAsync(run, [Task(run.Id, "b"), Task(run.Id, "a")], Token);

        await runs.SaveAsync(new RunChanges(null, [Task(run.Id, "late"), Task(run.Id, "a", TaskState.Queued)], []), Token);

        var details = await runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(["b", "a", "late"], details!.Tasks.Select(t => t.TaskId));
        Assert.Equal(TaskState.Queued, details.Tasks[1].State);
    }

    [Fact]
    public async Task Stores_SerializeConcurrentWriters_WhenManyWriteAtOnce()
    {
        await using var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        var runs = provider.GetRequiredService<IRunStore>();
        var logs = provider.GetRequiredService<ITaskLogStore>();
        var run = Run();
        var taskIds = Enumerable.Range(0, 16).Select(i => $"t{i:00}").ToList();
        await runs.CreateAsync(run, taskIds.Select(id => Task(run.Id, id)).ToList(), Token);

        await System.Threading.Tasks.Task.WhenAll(taskIds.Select(id => System.Threading.Tasks.Task.Run(async () =>
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                await runs.SaveAsync(new RunChanges(null, [Task(run.Id, id, TaskState.Running) with { Attempts = attempt }], [Attempt(run.Id, id, attempt)]), Token);
                await logs.AppendAsync(Enumerable.Range(1, 20).Select(n => Line(run.Id, id, attempt, n)).ToList(), Token);
            }
        })));

        var details = await runs.GetDetailsAsync(run.Id, Token);
        Assert.All(details!.Tasks, t => Assert.Equal(5, t.Attempts));
        Assert.Equal(16 * 5, details.Attempts.Count);
        foreach (var id in taskIds)
        {
            Assert.Equal(100, (await logs.ReadAsync(run.Id, id, null, 0, 1000, Token)).Count);
        }
    }

    [Fact]
    public void AddSqliteStore_RegistersEachStoreOnce_WhenRegisteredBeforeTheCore()
    {
        var services = new ServiceCollection();
        services.AddSqliteStore(directory.NewDatabasePath()).AddOrchestratorCore(System.IO.Path.Combine(directory.Path, "data"));

        using var provider = services.BuildServiceProvider();

        Assert.IsType<EfRunStore>(provider.GetRequiredService<IRunStore>());
        Assert.IsType<EfWorkflowVersionStore>(provider.GetRequiredService<IWorkflowVersionStore>());
        Assert.IsType<EfTaskLogStore>(provider.GetRequiredService<ITaskLogStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IRunStore));
        Assert.Single(services, d => d.ServiceType == typeof(IRunQueue));
        Assert.Same(provider.GetRequiredService<IRunStore>(), provider.GetRequiredService<IRunStore>());
    }

    [Fact]
    public void AddSqliteStore_Throws_WhenTheCoreRegisteredInMemoryStoresFirst()
    {
        var services = new ServiceCollection().AddOrchestratorCore(System.IO.Path.Combine(directory.Path, "data"));

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSqliteStore(directory.NewDatabasePath()));

        Assert.Contains("before AddOrchestratorCore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteStore_CreatesTheDirectory_WhenItDoesNotExist()
    {
        var path = System.IO.Path.Combine(directory.Path, "nested", "deeper", "orchestrator.db");

        await using var provider = await SqliteDatabase.OpenAsync(path);

        Assert.True(File.Exists(path));
    }

    private static async Task<List<object?[]>> QueryAsync(IServiceProvider provider, string sql)
    {
        await using var db = await provider.GetRequiredService<IDbContextFactory<SqliteOrchestratorDbContext>>().CreateDbContextAsync(Token);
        await db.Database.OpenConnectionAsync(Token);
        await using DbCommand command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await DbRows.ReadAllAsync(command, Token);
    }
}
