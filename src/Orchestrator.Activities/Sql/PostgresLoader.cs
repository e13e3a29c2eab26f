using Microsoft.Extensions.Logging;
using Npgsql;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// sql.load into PostgreSQL: COPY straight into the table (append, replace), or into a temporary table that one
/// INSERT ... ON CONFLICT merges (upsert); all in one transaction. A CSV that <see cref="CsvCopy"/> accepts is streamed
/// as it is (COPY … FORMAT csv); other files, and a CSV that COPY refuses for its data, are parsed and written through
/// binary COPY.
/// </summary>
internal sealed partial class PostgresLoader(NpgsqlConnection connection, LoadTarget target, Action<string> running, ILogger logger)
{
    private const string CsvSavepoint = "sql_load_csv";

    /// <param name="csv">The CSV streamed as it is, when its dialect allows.</param>
    /// <param name="csvPath">The file when it is a CSV: when it is parsed, the cells past the sample are written without JSON records.</param>
    public async Task<(long Rows, bool Created)> LoadAsync(SampledRecords records, CsvCopy? csv, string? csvPath, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var existing = await ColumnTypesAsync(target.QualifiedName, cancellationToken).ConfigureAwait(false);
        var created = existing is null;
        if (existing is null)
        {
            await ExecuteAsync(target.CreateStatement(ColumnKinds.PostgresType), cancellationToken).ConfigureAwait(false);
            existing = target.Columns.ToDictionary(c => c.Name, c => ColumnKinds.PostgresType(c.Kind), StringComparer.Ordinal);
        }
        else
        {
            target.CheckColumns(existing.Keys);
            if (target.Mode == "replace")
            {
                await ExecuteAsync($"TRUNCATE TABLE {target.QualifiedName}", cancellationToken).ConfigureAwait(false);
            }
        }

        var writers = target.Columns.Select(c => PostgresColumnWriter.For(c.Name, existing[c.Name])).ToArray();
        var into = target.QualifiedName;
        if (target.Mode == "upsert")
        {
            into = SqlConnections.Quote("sql_load_" + Guid.NewGuid().ToString("N"));
            await ExecuteAsync($"CREATE TEMPORARY TABLE {into} (LIKE {target.QualifiedName} INCLUDING DEFAULTS) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        }

        var rows = (csv is null ? null : await CopyCsvAsync(csv, into, cancellationToken).ConfigureAwait(false))
                   ?? await CopyAsync(into, writers, records, csvPath, cancellationToken).ConfigureAwait(false);
        if (target.Mode == "upsert")
        {
            // The last record of a key wins, as if the rows were upserted one by one: in a table that was only
            // copied into, ctid follows the order of the file.
            var keys = string.Join(", ", target.Keys.Select(SqlConnections.Quote));
            await ExecuteAsync(
                $"INSERT INTO {target.QualifiedName} ({target.ColumnList}) SELECT DISTINCT ON ({keys}) {target.ColumnList} FROM {into} " +
                $"ORDER BY {keys}, ctid DESC{target.OnConflict()}", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (rows, created);
    }

    /// <summary>
    /// Streams the CSV into COPY … (FORMAT csv); null when PostgreSQL refuses its data (SQLSTATE class 22: a value its
    /// input functions do not read, a short or long line), after rolling that COPY back, so that the parsed records
    /// are written instead: they load what the parser accepts, or fail naming the record and column.
    /// </summary>
    private async Task<long?> CopyCsvAsync(CsvCopy csv, string table, CancellationToken cancellationToken)
    {
        // Timestamps without an offset are UTC and dates month-first, as the parser reads them.
        await ExecuteAsync($"SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SAVEPOINT {CsvSavepoint}", cancellationToken).ConfigureAwait(false);
        var copy = csv.Statement(table, target.ColumnList);
        running(copy);
        try
        {
            var rows = await csv.CopyAsync(connection, copy, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync($"RELEASE SAVEPOINT {CsvSavepoint}", cancellationToken).ConfigureAwait(false);
            CsvCopied(logger, rows);
            return rows;
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            CsvRefused(logger, e.SqlState, e.MessageText, e.Where);
            await ExecuteAsync($"ROLLBACK TO SAVEPOINT {CsvSavepoint}", cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private async Task<long> CopyAsync(string table, PostgresColumnWriter[] writers, SampledRecords records, string? csvPath, CancellationToken cancellationToken)
    {
        var copy = $"COPY {table} ({target.ColumnList}) FROM STDIN (FORMAT BINARY)";
        running(copy);
        await using var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        var rows = await CsvCells.ForEachAsync(
            records,
            csvPath,
            [.. target.Columns.Select(c => c.Name)],
            (record, row) => WriteAsync(importer, writers, record, row, cancellationToken),
            async (cells, row) =>
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < writers.Length; i++)
                {
                    writers[i].Write(importer, cells.Cell(i), row);
                }
            },
            cancellationToken).ConfigureAwait(false);

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter importer, PostgresColumnWriter[] writers, System.Text.Json.Nodes.JsonObject record, long row, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
        foreach (var writer in writers)
        {
            writer.Write(importer, record[writer.Name], row);
        }
    }

    /// <summary>The table's columns and their types, or null when there is no such table.</summary>
    private async Task<Dictionary<string, string>?> ColumnTypesAsync(string qualifiedName, CancellationToken cancellationToken)
    {
        const string sql = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a " +
                           "WHERE a.attrelid = to_regclass(@name) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
        running(sql);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", qualifiedName);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns[reader.GetString(0)] = reader.GetString(1);
        }

        return columns.Count == 0 ? null : columns;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        running(sql);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rows} rows streamed from the CSV file through COPY (FORMAT csv)")]
    private static partial void CsvCopied(ILogger logger, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "COPY (FORMAT csv) refused the file ({SqlState}: {Message}; {Where}); loading it parsed, through binary COPY")]
    private static partial void CsvRefused(ILogger logger, string sqlState, string message, string? where);
}
