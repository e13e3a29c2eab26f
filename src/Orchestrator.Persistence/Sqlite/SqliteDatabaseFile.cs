using Microsoft.Data.Sqlite;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The SQLite file of this store and the connection string every connection to it uses. Disposing it (with the
/// service provider) clears the pool of that connection string only, so the file is closed when the server or CLI
/// stops; clearing every pool of the process would also close connections other stores in the process are using.
/// </summary>
internal sealed class SqliteDatabaseFile : IDisposable
{
    public SqliteDatabaseFile(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConnectionString = connectionString;
        Path = new SqliteConnectionStringBuilder(connectionString).DataSource;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        using var connection = new SqliteConnection(ConnectionString);
        SqliteConnection.ClearPool(connection);
    }
}
