using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Sql;

[Activity("sql.query", Category = "SQL",
    Description = "Runs a query on a PostgreSQL or SQLite connection and returns its rows as outputs (small results), " +
                  "or writes every row to a jsonl, json or parquet file and returns the path.")]
public sealed partial class SqlQueryActivity(ConnectionCatalog connections) : Activity<SqlQueryActivity.Input, SqlQueryActivity.Output>
{
    /// <summary>Room left for the rows in the task's outputs, which the engine caps at 64 KiB.</summary>
    internal const int MaxRowBytes = 60 * 1024;

    public sealed record Input
    {
        [Description("The database: a postgresql or sqlite connection. Default warehouse.")]
        [ConnectionInput(ConnectionTypes.PostgreSql, ConnectionTypes.Sqlite)]
        public string? Connection { get; init; }

        [Description("The query.")]
        [MinLength(1)]
        public required string Sql { get; init; }

        [Description("Values bound to @name placeholders, name to JSON value (text, number, boolean, null).")]
        public IReadOnlyDictionary<string, JsonElement>? Parameters { get; init; }

        [Description("Most rows returned in the outputs; more is a failure (set path for large results). Default 1000.")]
        [Range(1, 1_000_000)]
        public int? MaxRows { get; init; }

        [Description("Write every row to this file (relative to the data directory; jsonl, json or parquet) instead of the outputs.")]
        public string? Path { get; init; }

        [Description("The file's format when its extension does not tell: jsonl, json or parquet.")]
        public string? Format { get; init; }
    }

    public sealed record Output
    {
        [Description("The rows, one object per row (empty when path is set).")]
        public required IReadOnlyList<JsonObject> Rows { get; init; }

        [Description("Rows the query returned.")]
        public required long RowCount { get; init; }

        [Description("The file written, when path is set.")]
        public string? Path { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var connection = connections.Get(input.Connection ?? "warehouse", SqlConnections.Types);
        var token = context.CancellationToken;
        var maxRows = input.MaxRows ?? 1000;
        var path = input.Path is null ? null : context.Data.ResolveForWrite(input.Path);
        var format = path is null ? RecordFormat.Jsonl : RecordFormats.Resolve(path, input.Format);
        await using var database = await SqlConnections.OpenAsync(connection, context.Data, token).ConfigureAwait(false);
        Querying(context.Logger, connection.Name, SqlConnections.Excerpt(input.Sql));
        await using var command = database.CreateCommand();
        command.CommandText = input.Sql;
        command.CommandTimeout = 0; // the task's timeout bounds the query, through the cancellation token
        SqlValues.Bind(command, input.Parameters);
        var rows = new List<JsonObject>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                if (path is null && rows.Count == maxRows)
                {
                    throw new ActivityFailedException($"the query returned more than maxRows ({maxRows}) rows; raise maxRows or set path to write them to a file");
                }

                rows.Add(SqlValues.Row(reader, names));
            }
        }
        catch (DbException e)
        {
            throw SqlConnections.Failure(connections, connection, input.Sql, e);
        }

        if (path is not null)
        {
            await RecordWriter.WriteAsync(path, format, rows, null, token).ConfigureAwait(false);
            Wrote(context.Logger, rows.Count, input.Path!);
            return new Output { Rows = [], RowCount = rows.Count, Path = input.Path };
        }

        var bytes = rows.Sum(r => (long)Encoding.UTF8.GetByteCount(r.ToJsonString()) + 1);
        if (bytes > MaxRowBytes)
        {
            throw new ActivityFailedException(
                $"the query returned {rows.Count} rows ({bytes / 1024} KiB), more than task outputs hold (64 KiB); set path to write them to a file");
        }

        Returned(context.Logger, rows.Count);
        return new Output { Rows = rows, RowCount = rows.Count };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Querying {Connection}: {Sql}")]
    private static partial void Querying(ILogger logger, string connection, string sql);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rows} rows returned")]
    private static partial void Returned(ILogger logger, long rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rows} rows written to {Path}")]
    private static partial void Wrote(ILogger logger, long rows, string path);
}
