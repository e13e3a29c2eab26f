using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// sql.load into SQLite: one prepared INSERT (… ON CONFLICT for upsert) run per record, in one transaction, on a
/// database in write-ahead-log mode. A CSV's cells past the sample are bound as the CSV reader hands them over.
/// </summary>
internal sealed class SqliteLoader(SqliteConnection connection, LoadTarget target, Action<string> running)
{
    /// <param name="csv">The file when it is a CSV: past the sample, its cells are bound as they are read, without JSON values.</param>
    public async Task<(long Rows, bool Created)> LoadAsync(SampledRecords records, string? csv, CancellationToken cancellationToken)
    {
        // The write-ahead log appends the transaction's pages once instead of journalling each page's old content, and
        // lets readers (sql.query, a dashboard) keep reading while the load runs. It is a property of the file, kept
        // after this load; it cannot change inside a transaction.
        var journal = target.Schema is null ? "PRAGMA journal_mode = WAL" : $"PRAGMA {SqlConnections.Quote(target.Schema)}.journal_mode = WAL";
        running(journal);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = journal;
            await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var existing = await ColumnsAsync(transaction, cancellationToken).ConfigureAwait(false);
        var created = existing.Count == 0;
        if (created)
        {
            await ExecuteAsync(transaction, target.CreateStatement(ColumnKinds.SqliteType), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            target.CheckColumns(existing);
            if (target.Mode == "replace")
            {
                await ExecuteAsync(transaction, $"DELETE FROM {target.QualifiedName}", cancellationToken).ConfigureAwait(false);
            }
        }

        var sql = $"INSERT INTO {target.QualifiedName} ({target.ColumnList}) VALUES ({string.Join(", ", target.Columns.Select((_, i) => $"?{i + 1}"))})" +
                  (target.Mode == "upsert" ? target.OnConflict() : "");
        running(sql);
        long rows;
        using (var insert = new SqliteInsert(connection, sql))
        {
            var names = target.Columns.Select(c => c.Name).ToArray();
            rows = await CsvCells.ForEachAsync(
                records,
                csv,
                names,
                (record, _) =>
                {
                    Insert(insert, names, record);
                    return Task.CompletedTask;
                },
                (cells, _) =>
                {
                    for (var i = 0; i < names.Length; i++)
                    {
                        insert.Bind(i + 1, cells.Cell(i));
                    }

                    insert.Run();
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (rows, created);
    }

    private static void Insert(SqliteInsert insert, string[] names, JsonObject record)
    {
        for (var i = 0; i < names.Length; i++)
        {
            insert.Bind(i + 1, record[names[i]]);
        }

        insert.Run();
    }

    private async Task<List<string>> ColumnsAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = target.Schema is null ? "SELECT name FROM pragma_table_info($table)" : "SELECT name FROM pragma_table_info($table, $schema)";
        command.Parameters.AddWithValue("$table", target.Table);
        if (target.Schema is not null)
        {
            command.Parameters.AddWithValue("$schema", target.Schema);
        }

        running(command.CommandText);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    private async Task ExecuteAsync(SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        running(sql);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// One prepared INSERT run once per record through SQLite's own API: values bound as the CLR type they are read as
/// (no boxed value per field), text bound from UTF-8 bytes encoded into one reused buffer.
/// </summary>
internal sealed class SqliteInsert : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SQLitePCL.sqlite3_stmt _statement;
    private byte[] _text = new byte[256];

    public SqliteInsert(SqliteConnection connection, string sql)
    {
        _connection = connection;
        Check(SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement));
    }

    /// <summary>Binds parameter <paramref name="index"/> (from 1): null as NULL, booleans as 0/1, objects and arrays as their JSON text.</summary>
    public void Bind(int index, JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            Check(node is null ? SQLitePCL.raw.sqlite3_bind_null(_statement, index) : BindText(index, node.ToJsonString()));
            return;
        }

        Check(value.GetValueKind() switch
        {
            JsonValueKind.String => BindText(index, value.GetValue<string>()),
            JsonValueKind.True => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, 1),
            JsonValueKind.False => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, 0),
            JsonValueKind.Number when value.TryGetValue<long>(out var l) => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, l),
            JsonValueKind.Number when value.TryGetValue<double>(out var d) => SQLitePCL.raw.sqlite3_bind_double(_statement, index, d),
            // A number beyond double's range keeps its digits, as text (what the ADO.NET provider does with a decimal).
            JsonValueKind.Number => BindText(index, value.ToJsonString()),
            _ => SQLitePCL.raw.sqlite3_bind_null(_statement, index),
        });
    }

    /// <summary>Binds parameter <paramref name="index"/> (from 1) to a CSV cell, read as <see cref="DataFiles.RecordReader.CsvValue"/> reads it.</summary>
    public void Bind(int index, ReadOnlySpan<char> cell)
        => Check(DataFiles.RecordReader.Classify(cell, out var integer, out var number) switch
        {
            DataFiles.CsvCell.Null => SQLitePCL.raw.sqlite3_bind_null(_statement, index),
            DataFiles.CsvCell.Integer => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, integer),
            DataFiles.CsvCell.Number => SQLitePCL.raw.sqlite3_bind_double(_statement, index, number),
            DataFiles.CsvCell.True => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, 1),
            DataFiles.CsvCell.False => SQLitePCL.raw.sqlite3_bind_int64(_statement, index, 0),
            _ => BindText(index, cell),
        });

    /// <summary>Runs the insert with the values bound, then readies it for the next record.</summary>
    public void Run()
    {
        var step = SQLitePCL.raw.sqlite3_step(_statement);
        var reset = SQLitePCL.raw.sqlite3_reset(_statement);
        if (step != SQLitePCL.raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(step, _connection.Handle);
            SqliteException.ThrowExceptionForRC(reset, _connection.Handle);
        }
    }

    private int BindText(int index, ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (length > _text.Length)
        {
            _text = new byte[Math.Max(length, _text.Length * 2)];
        }

        var written = Encoding.UTF8.GetBytes(text, _text);
        return SQLitePCL.raw.sqlite3_bind_text(_statement, index, _text.AsSpan(0, written));
    }

    private void Check(int result)
    {
        if (result != SQLitePCL.raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _connection.Handle);
        }
    }

    public void Dispose() => _statement.Dispose();
}
