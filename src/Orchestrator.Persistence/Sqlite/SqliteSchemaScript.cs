using System.Data.Common;
using System.Text.RegularExpressions;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The SQL that EF's migrator runs to bring an empty SQLite file to the last migration (<c>Migrations/Sqlite/schema.sql</c>,
/// written by <c>dotnet ef migrations script</c> and embedded). Running it needs none of EF's migration machinery: that
/// builds each migration's target model with conventions and loads every type of this assembly (the PostgreSQL
/// provider's with them) to find the migrations, which a server pays for at every start-up and keeps as code.
/// A copy like the compiled models: <c>SqliteSchemaScriptTests</c> fails when it differs from what the migrations generate.
/// </summary>
internal static partial class SqliteSchemaScript
{
    public const string ResourceName = "Orchestrator.Persistence.Sqlite.schema.sql";

    private static readonly Lazy<(string Sql, IReadOnlyList<string> Migrations)> Script = new(Load);

    /// <summary>The script as generated, with one transaction per migration.</summary>
    public static string Sql => Script.Value.Sql;

    /// <summary>The migrations the script applies, in order: every migration of the SQLite context.</summary>
    public static IReadOnlyList<string> Migrations => Script.Value.Migrations;

    /// <summary>
    /// Applies the migrations to an empty database, or none when they are all applied, and returns those applied. Returns
    /// <see langword="null"/> when the database is part-way (some migrations applied): EF's migrator then applies the rest.
    /// All in one immediate transaction, so that a second process opening the same new file waits and then finds the
    /// schema current.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> TryMigrateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var applied = await AppliedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (applied is not null)
            {
                return Migrations.All(applied.Contains) ? [] : null;
            }

            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.Transaction = transaction;

                // The script's own per-migration transactions, inside this one: the same statements, all or nothing.
                command.CommandText = TransactionLine().Replace(Sql, string.Empty);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return Migrations;
        }
    }

    /// <summary>The applied migrations, or <see langword="null"/> when the database has no history table.</summary>
    private static async Task<HashSet<string>?> AppliedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }

            command.CommandText = "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"";
            var applied = new HashSet<string>(StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetString(0));
                }
            }

            return applied;
        }
    }

    private static (string, IReadOnlyList<string>) Load()
    {
        using var stream = typeof(SqliteSchemaScript).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        var sql = reader.ReadToEnd();
        return (sql, [.. HistoryInsert().Matches(sql).Select(m => m.Groups[1].Value)]);
    }

    [GeneratedRegex(@"^(?:BEGIN TRANSACTION|COMMIT);\r?$", RegexOptions.Multiline)]
    private static partial Regex TransactionLine();

    [GeneratedRegex("""INSERT INTO "__EFMigrationsHistory" \("MigrationId", "ProductVersion"\)\s+VALUES \('([^']+)'""")]
    private static partial Regex HistoryInsert();
}
