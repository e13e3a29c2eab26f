using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// A new SQLite database gets its schema from <c>Migrations/Sqlite/schema.sql</c>, not from EF's migrator: the script
/// is a copy of what the migrations generate, so these tests fail when it is stale or when it builds another schema.
/// </summary>
public sealed class SqliteSchemaScriptTests(TempDirectory directory) : IClassFixture<TempDirectory>
{
    private const string Regenerate = "Migrations/Sqlite/schema.sql is stale: regenerate it (README, Persistence: changing the model)";

    private static CancellationToken Token => CancellationToken.None;

    [Fact]
    public void SchemaScript_IsWhatTheMigrationsGenerate()
    {
        using var db = new SqliteOrchestratorDbContext(new DbContextOptionsBuilder<SqliteOrchestratorDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var stream = typeof(DatabaseMigrator).Assembly.GetManifestResourceStream("Orchestrator.Persistence.Sqlite.schema.sql");
        Assert.NotNull(stream);

        var embedded = new StreamReader(stream).ReadToEnd();

        Assert.True(Normalize(db.GetService<IMigrator>().GenerateScript()) == Normalize(embedded), Regenerate);
    }

    [Fact]
    public async Task MigrateAsync_BuildsTheSchemaOfEfsMigrator_WhenDatabaseIsNew()
    {
        var scripted = directory.NewDatabasePath();
        var migrated = directory.NewDatabasePath();
        await using var fromScript = new ServiceCollection().AddSqliteStore(scripted).BuildServiceProvider();
        await using var fromMigrator = new ServiceCollection().AddSqliteStore(migrated).BuildServiceProvider();

        var applied = await fromScript.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token);
        await using (var db = await Context(fromMigrator))
        {
            await db.Database.MigrateAsync(Token);
        }

        Assert.Equal(await EfMigrationsAsync(fromMigrator), applied);
        Assert.Equal(await SchemaAsync(fromMigrator), await SchemaAsync(fromScript));
        Assert.Equal(await QueryAsync(fromMigrator, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY 1"),
            await QueryAsync(fromScript, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY 1"));
        Assert.Empty(await fromScript.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token));

        // EF's migrator was not involved: it would have left its lock table behind.
        Assert.Empty(await QueryAsync(fromScript, "SELECT name FROM sqlite_master WHERE name = '__EFMigrationsLock'"));
    }

    [Fact]
    public async Task MigrateAsync_AppliesTheRest_WhenDatabaseIsPartWay()
    {
        var partWay = directory.NewDatabasePath();
        var migrated = directory.NewDatabasePath();
        await using var services = new ServiceCollection().AddSqliteStore(partWay).BuildServiceProvider();
        await using var reference = new ServiceCollection().AddSqliteStore(migrated).BuildServiceProvider();
        var all = await EfMigrationsAsync(services);
        await using (var db = await Context(services))
        {
            await db.GetService<IMigrator>().MigrateAsync(all[1], cancellationToken: Token);
        }

        var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token);

        Assert.Equal(all.Skip(2), applied);
        await reference.GetRequiredService<DatabaseMigrator>().MigrateAsync(Token);
        Assert.Equal(await SchemaAsync(reference), await SchemaAsync(services));
    }

    private static string Normalize(string script) => script.ReplaceLineEndings("\n").Trim();

    private static async Task<SqliteOrchestratorDbContext> Context(IServiceProvider provider)
        => await provider.GetRequiredService<IDbContextFactory<SqliteOrchestratorDbContext>>().CreateDbContextAsync(Token);

    private static async Task<List<string>> EfMigrationsAsync(IServiceProvider provider)
    {
        await using var db = await Context(provider);
        return [.. db.Database.GetMigrations()];
    }

    /// <summary>Tables, indexes and their SQL; not the lock table EF's migrator leaves behind.</summary>
    private static Task<List<object?[]>> SchemaAsync(IServiceProvider provider)
        => QueryAsync(provider, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT IN ('__EFMigrationsLock') ORDER BY type, name");

    private static async Task<List<object?[]>> QueryAsync(IServiceProvider provider, string sql)
    {
        await using var db = await Context(provider);
        await db.Database.OpenConnectionAsync(Token);
        await using DbCommand command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await DbRows.ReadAllAsync(command, Token);
    }
}
