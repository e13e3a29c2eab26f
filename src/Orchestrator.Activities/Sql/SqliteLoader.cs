using Microsoft.Data.Sqlite;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// sql.load into SQLite: one prepared INSERT (… ON CONFLICT for upsert) run per record, in one transaction, on a
/// database in write-ahead-log mode.
/// </summary>
internal sealed class SqliteLoader(SqliteConnection connection, LoadTarget target, Action<string> running)
{
    public async Task<(long Rows, bool Created)> LoadAsync(SampledRecords records, CancellationToken cancellationToken)
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

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {target.QualifiedName} ({target.ColumnList}) VALUES ({string.Join(", ", target.Columns.Select((_, i) => $"$p{i}"))})" +
                             (target.Mode == "upsert" ? target.OnConflict() : "");
        var parameters = target.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
        running(insert.CommandText);
        insert.Prepare();
        long rows = 0;
        await foreach (var record in records.AllAsync().ConfigureAwait(false))
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = SqlValues.Scalar(record[target.Columns[i].Name]) switch
                {
                    null => DBNull.Value,
                    bool b => b ? 1L : 0L,
                    var value => value,
                };
            }

            // SQLite runs in the calling thread: the asynchronous call would only add a task per row.
            insert.ExecuteNonQuery();
            rows++;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (rows, created);
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
