using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Sql;

[Activity("sql.load", Category = "SQL",
    Description = "Loads a csv, json, jsonl or parquet file into a table (PostgreSQL through COPY: a CSV streamed as it is when its dialect allows, " +
                  "other files parsed into binary COPY; SQLite through one prepared insert in write-ahead-log mode), " +
                  "in one transaction: append, replace the rows, or upsert on key columns. Creates the table from the file's columns when it is missing.")]
public sealed partial class SqlLoadActivity(ConnectionCatalog connections) : Activity<SqlLoadActivity.Input, SqlLoadActivity.Output>
{
    /// <summary>Records read before a new table's column types are decided.</summary>
    internal const int SampleSize = 10_000;

    public sealed record Input
    {
        [Description("The database: a postgresql or sqlite connection. Default warehouse.")]
        [ConnectionInput(ConnectionTypes.PostgreSql, ConnectionTypes.Sqlite)]
        public string? Connection { get; init; }

        [Description("The file to load, relative to the data directory (csv, json, jsonl or parquet).")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("The file's format when its extension does not tell: csv, json, jsonl or parquet.")]
        public string? Format { get; init; }

        [Description("The table to load into; created from the file's columns when missing.")]
        [MinLength(1)]
        public required string Table { get; init; }

        [Description("The table's schema (PostgreSQL) or attached database (SQLite). Default: the connection's search path / main.")]
        public string? Schema { get; init; }

        [Description("append (default) adds the rows; replace empties the table first; upsert inserts or updates rows by keys.")]
        [RegularExpression("^(append|replace|upsert)$")]
        public string? Mode { get; init; }

        [Description("The key columns of upsert: a new table gets them as primary key; an existing one needs a unique index on them.")]
        public IReadOnlyList<string>? Keys { get; init; }

        [Description("PostgreSQL: parse a CSV file's records and write them through binary COPY, as for json and parquet, instead of " +
                     "streaming the file to COPY … (FORMAT csv) when its dialect allows. Default false.")]
        public bool? ParseCsv { get; init; }
    }

    public sealed record Output
    {
        [Description("Records read from the file and written.")]
        public required long RowsLoaded { get; init; }

        [Description("The table loaded, schema-qualified when a schema was given.")]
        public required string Table { get; init; }

        [Description("Whether the table was created by this load.")]
        public required bool Created { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var mode = input.Mode ?? "append";
        var keys = input.Keys ?? [];
        if (mode == "upsert" && keys.Count == 0)
        {
            throw new ActivityInputException("upsert needs keys (the columns that identify a row)");
        }

        var connection = connections.Get(input.Connection ?? "warehouse", SqlConnections.Types);
        var token = context.CancellationToken;
        var path = context.Data.Resolve(input.Path);
        var format = RecordFormats.Resolve(path, input.Format);
        if (format == RecordFormat.Text)
        {
            throw new ActivityInputException("sql.load reads records with columns: csv, json, jsonl or parquet");
        }

        await using var records = new SampledRecords(RecordReader.ReadAsync(path, format, token), token);
        var columns = await records.SampleAsync(SampleSize).ConfigureAwait(false);
        if (columns.Count == 0)
        {
            throw new ActivityFailedException($"'{input.Path}' has no records with columns to load");
        }

        foreach (var key in keys.Where(k => !columns.Any(c => c.Name == k)))
        {
            throw new ActivityInputException($"key '{key}' is not a column of '{input.Path}' (columns: {string.Join(", ", columns.Select(c => c.Name))})");
        }

        var table = input.Schema is null ? input.Table : $"{input.Schema}.{input.Table}";
        var target = new LoadTarget(SqlConnections.QualifiedName(input.Schema, input.Table), input.Schema, input.Table, mode, keys, columns);
        await using var database = await SqlConnections.OpenAsync(connection, context.Data, token).ConfigureAwait(false);
        Loading(context.Logger, input.Path, table, connection.Name, mode);
        var statement = "";
        try
        {
            var (rows, created) = database switch
            {
                NpgsqlConnection pg => await new PostgresLoader(pg, target, s => statement = s, context.Logger)
                    .LoadAsync(records, CsvCopyOf(input, path, format, columns, context.Logger), format == RecordFormat.Csv ? path : null, token)
                    .ConfigureAwait(false),
                SqliteConnection sqlite => await new SqliteLoader(sqlite, target, s => statement = s)
                    .LoadAsync(records, format == RecordFormat.Csv ? path : null, token).ConfigureAwait(false),
                _ => throw new InvalidOperationException("not a SQL connection"),
            };
            Loaded(context.Logger, rows, table, created);
            return new Output { RowsLoaded = rows, Table = table, Created = created };
        }
        catch (DbException e)
        {
            throw SqlConnections.Failure(connections, connection, statement, e);
        }
    }

    /// <summary>The CSV streamed as it is into PostgreSQL, or null (logged) when the file must be parsed.</summary>
    private static CsvCopy? CsvCopyOf(Input input, string path, RecordFormat format, IReadOnlyList<LoadColumn> columns, ILogger logger)
    {
        if (format != RecordFormat.Csv || input.ParseCsv == true)
        {
            return null;
        }

        var copy = CsvCopy.Inspect(path, columns.Select(c => c.Name).ToArray(), out var reason);
        if (copy is null)
        {
            CsvParsed(logger, reason);
        }

        return copy;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The CSV file is parsed, not streamed to COPY (FORMAT csv): {Reason}")]
    private static partial void CsvParsed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading {Path} into {Table} on {Connection} ({Mode})")]
    private static partial void Loading(ILogger logger, string path, string table, string connection, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rows} rows loaded into {Table} (created: {Created})")]
    private static partial void Loaded(ILogger logger, long rows, string table, bool created);
}

/// <summary>A file column and the kind its first records suggest.</summary>
internal sealed record LoadColumn(string Name, LoadColumnKind Kind);

/// <summary>Where and how sql.load writes.</summary>
internal sealed record LoadTarget(string QualifiedName, string? Schema, string Table, string Mode, IReadOnlyList<string> Keys, IReadOnlyList<LoadColumn> Columns)
{
    public string ColumnList => string.Join(", ", Columns.Select(c => SqlConnections.Quote(c.Name)));

    public string CreateStatement(Func<LoadColumnKind, string> type)
        => $"CREATE TABLE {QualifiedName} ({string.Join(", ", Columns.Select(c => $"{SqlConnections.Quote(c.Name)} {type(c.Kind)}"))}" +
           (Keys.Count > 0 ? $", PRIMARY KEY ({string.Join(", ", Keys.Select(SqlConnections.Quote))})" : "") + ")";

    /// <summary>The ON CONFLICT clause of an upsert: update every non-key column from the incoming row.</summary>
    public string OnConflict()
    {
        var updates = Columns.Where(c => !Keys.Contains(c.Name)).Select(c => $"{SqlConnections.Quote(c.Name)} = excluded.{SqlConnections.Quote(c.Name)}").ToArray();
        return $" ON CONFLICT ({string.Join(", ", Keys.Select(SqlConnections.Quote))}) " + (updates.Length == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates));
    }

    /// <summary>The file's columns that are not in the existing table: a failure, since they would be lost.</summary>
    public void CheckColumns(IReadOnlyCollection<string> existing)
    {
        var missing = Columns.Select(c => c.Name).Where(n => !existing.Contains(n)).ToArray();
        if (missing.Length > 0)
        {
            throw new ActivityFailedException(
                $"table {QualifiedName} has no column {string.Join(", ", missing.Select(m => $"\"{m}\""))} of the file (table columns: {string.Join(", ", existing)})");
        }
    }
}

/// <summary>The file's records: the first ones held to infer the columns, then the rest streamed.</summary>
internal sealed class SampledRecords(IAsyncEnumerable<JsonNode?> source, CancellationToken cancellationToken) : IAsyncDisposable
{
    private readonly IAsyncEnumerator<JsonNode?> _enumerator = source.GetAsyncEnumerator(cancellationToken);
    private readonly List<JsonObject> _sample = [];
    private bool _ended;
    private long _read;

    public async Task<IReadOnlyList<LoadColumn>> SampleAsync(int size)
    {
        var kinds = new Dictionary<string, LoadColumnKind?>(StringComparer.Ordinal);
        var order = new List<string>();
        while (_sample.Count < size && await NextAsync().ConfigureAwait(false) is { } record)
        {
            _sample.Add(record);
            foreach (var (name, value) in record)
            {
                if (!kinds.TryGetValue(name, out var seen))
                {
                    order.Add(name);
                    seen = null;
                }

                kinds[name] = ColumnKinds.Of(value) is { } kind ? ColumnKinds.Widen(seen, kind) : seen;
            }
        }

        return order.Select(n => new LoadColumn(n, kinds[n] ?? LoadColumnKind.Text)).ToArray();
    }

    /// <summary>The records <see cref="SampleAsync"/> read, before <see cref="AllAsync"/> hands them on.</summary>
    public IReadOnlyList<JsonObject> Sample => _sample;

    /// <summary>Every record: the sample, then the rest of the file.</summary>
    public async IAsyncEnumerable<JsonObject> AllAsync()
    {
        foreach (var record in _sample)
        {
            yield return record;
        }

        _sample.Clear();
        while (await NextAsync().ConfigureAwait(false) is { } record)
        {
            yield return record;
        }
    }

    private async Task<JsonObject?> NextAsync()
    {
        if (_ended || !await _enumerator.MoveNextAsync().ConfigureAwait(false))
        {
            _ended = true;
            return null;
        }

        _read++;
        return _enumerator.Current as JsonObject
            ?? throw new ActivityFailedException($"record {_read} is not an object with columns: {_enumerator.Current?.ToJsonString() ?? "null"}");
    }

    public ValueTask DisposeAsync() => _enumerator.DisposeAsync();
}
