using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Sql;

/// <summary>The SQL databases the sql.* activities open: a <c>postgresql</c> or a <c>sqlite</c> connection.</summary>
public static class SqlConnections
{
    public static IReadOnlyList<string> Types { get; } = [ConnectionTypes.PostgreSql, ConnectionTypes.Sqlite];

    /// <summary>Opens the database of <paramref name="connection"/>; a failure names the connection with its secrets masked.</summary>
    public static async Task<DbConnection> OpenAsync(Connection connection, DataDirectory data, CancellationToken cancellationToken)
    {
        DbConnection database = connection.Type switch
        {
            ConnectionTypes.PostgreSql => new NpgsqlConnection(PostgresConnectionString(connection)),
            ConnectionTypes.Sqlite => new SqliteConnection(SqliteConnectionString(connection, data)),
            _ => throw new ActivityFailedException($"connection '{connection.Name}' is a {connection.Type} connection; sql activities need postgresql or sqlite"),
        };
        try
        {
            await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (database is SqliteConnection sqlite)
            {
                ConfineAttach(sqlite, data);
            }

            return database;
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw new ActivityFailedException($"cannot open {connection}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Lets a SQLite connection ATTACH only database files inside the data directory (links resolved), in-memory and
    /// temporary databases; anything else (another path, a <c>file:</c> URI) is refused by SQLite's authorizer.
    /// </summary>
    private static void ConfineAttach(SqliteConnection connection, DataDirectory data)
        => SQLitePCL.raw.sqlite3_set_authorizer(connection.Handle, static (state, action, file, _, _, _) =>
            action != SQLitePCL.raw.SQLITE_ATTACH || MayAttach((DataDirectory)state, file) ? SQLitePCL.raw.SQLITE_OK : SQLitePCL.raw.SQLITE_DENY, data);

    /// <summary>SQLite resolves a relative file name against the process's working directory, and so does this.</summary>
    private static bool MayAttach(DataDirectory data, string? file)
        => string.IsNullOrEmpty(file) || file == ":memory:"
           || (!file.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && data.IsInside(Path.GetFullPath(file)));

    /// <summary>
    /// An Npgsql connection string from the settings host, port, database, username and password; any other setting
    /// (sslmode, timeout...) is passed on under its Npgsql keyword.
    /// </summary>
    public static string PostgresConnectionString(Connection connection)
    {
        // sql.load's COPY sends megabytes: a 64 KiB write buffer (Npgsql's default is 8 KiB) sends them in fewer,
        // larger writes. A connection setting of Npgsql's "Write Buffer Size" overrides it.
        var builder = new NpgsqlConnectionStringBuilder { Host = connection.Require("host"), WriteBufferSize = 64 * 1024 };
        foreach (var (key, value) in connection.Settings)
        {
            try
            {
                switch (key)
                {
                    case "host":
                        break;
                    case "port":
                        builder.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "database":
                        builder.Database = value;
                        break;
                    case "username":
                        builder.Username = value;
                        break;
                    case "password":
                        builder.Password = value;
                        break;
                    default:
                        builder[key] = value;
                        break;
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                var shown = SecretSettings.IsSecret(key) ? SecretSettings.Mask : value;
                throw new ActivityFailedException($"connection '{connection.Name}': setting {key}={shown} is not a PostgreSQL connection setting: {e.Message}", e);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>The SQLite file of the setting <c>path</c>, inside the data directory (created when missing).</summary>
    public static string SqliteConnectionString(Connection connection, DataDirectory data)
        => new SqliteConnectionStringBuilder
        {
            DataSource = data.ResolveForWrite(connection.Require("path")),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();

    /// <summary>A quoted identifier: PostgreSQL and SQLite both quote with double quotes, doubled inside.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The quoted, optionally schema-qualified name of a table.</summary>
    public static string QualifiedName(string? schema, string table) => schema is null ? Quote(table) : Quote(schema) + "." + Quote(table);

    /// <summary>A statement for messages: one line, at most 200 characters.</summary>
    public static string Excerpt(string sql)
    {
        var line = string.Join(' ', sql.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 200 ? line : line[..197] + "...";
    }

    /// <summary>A database error as an activity failure naming the statement and the database's message, secrets masked.</summary>
    /// <param name="ordinal">Which statement of several failed, as "2 of 3"; null for a single statement.</param>
    public static ActivityFailedException Failure(ConnectionCatalog connections, Connection connection, string statement, DbException error, string? ordinal = null)
    {
        var which = ordinal is null ? "statement" : $"statement {ordinal}";
        var message = error is PostgresException pg
            ? $"{pg.SqlState}: {pg.MessageText}{(pg.Detail is { Length: > 0 } d ? $" ({d})" : "")}" +
              (pg.Where is { } where && where.StartsWith("COPY ", StringComparison.Ordinal) ? $" at {where}" : "")
            : error.Message;
        var text = connections.Mask($"{which} '{Excerpt(statement)}' failed on connection '{connection.Name}' ({connection.Type}): {message}");
        return PermanentReason(error) is { } reason ? new PermanentActivityException(text, reason, error) : new ActivityFailedException(text, error);
    }

    /// <summary>
    /// Errors the same statement repeats: PostgreSQL's SQLSTATE classes 42 (syntax, missing table or column,
    /// permissions) and 22 (data exceptions: a value that does not convert); SQLite's SQL and type-mismatch errors.
    /// </summary>
    private static string? PermanentReason(DbException error) => error switch
    {
        PostgresException { SqlState: ['4', '2', ..] or ['2', '2', ..] } pg => $"SQLSTATE {pg.SqlState} is an error in the statement or its data",
        SqliteException { SqliteErrorCode: 1 or 20 } => "an SQLite error in the statement or its data",
        _ => null,
    };
}
