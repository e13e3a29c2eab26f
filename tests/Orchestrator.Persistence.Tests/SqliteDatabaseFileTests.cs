using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Storage;
using static Orchestrator.Persistence.Tests.Samples;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// The SQLite store releases its file when its services are disposed (a server or CLI that stops), and only its own:
/// the pooled connections of other stores in the process stay open.
/// </summary>
public sealed class SqliteDatabaseFileTests(TempDirectory directory) : IClassFixture<TempDirectory>
{
    [Fact]
    public async Task DisposingTheServices_ClosesThePooledConnectionsToTheFile()
    {
        var path = directory.NewDatabasePath();
        await using (var services = await SqliteDatabase.OpenAsync(path))
        {
            await services.GetRequiredService<IRunStore>().CreateAsync(Run(), [], CancellationToken.None);
            Assert.True(HeldOpen(path), "a pooled connection holds the file while the services live");
        }

        Assert.False(HeldOpen(path), "a pooled connection still holds the file after the services were disposed");
    }

    [Fact]
    public async Task DisposingTheServices_LeavesTheConnectionsOfAnotherStoreOpen()
    {
        var mine = directory.NewDatabasePath();
        var other = directory.NewDatabasePath();
        await using var others = await SqliteDatabase.OpenAsync(other);
        await using (await SqliteDatabase.OpenAsync(mine))
        {
        }

        Assert.True(HeldOpen(other), "the other store's pooled connection was closed too");
        Assert.Empty(await others.GetRequiredService<IRunStore>().ListAsync(new RunFilter(), new Page(), CancellationToken.None));
        Assert.False(HeldOpen(mine), "a pooled connection still holds the file after the services were disposed");
    }

    /// <summary>
    /// Whether a connection to the file is open: SQLite checkpoints and deletes the write-ahead log when the last
    /// connection to a database in WAL mode closes (on Windows and Linux alike), and the store writes in WAL mode.
    /// </summary>
    private static bool HeldOpen(string path) => File.Exists(path + "-wal");
}
