using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Sql;

[Activity("sql.execute", Category = "SQL",
    Description = "Runs SQL statements (DDL, DML, CREATE INDEX, REFRESH MATERIALIZED VIEW...) on a PostgreSQL or SQLite connection, " +
                  "all in one transaction. Parameters are bound as @name. Returns the rows affected.")]
public sealed partial class SqlExecuteActivity(ConnectionCatalog connections) : Activity<SqlExecuteActivity.Input, SqlExecuteActivity.Output>
{
    public sealed record Input
    {
        [Description("The database: a postgresql or sqlite connection. Default warehouse.")]
        [ConnectionInput(ConnectionTypes.PostgreSql, ConnectionTypes.Sqlite)]
        public string? Connection { get; init; }

        [Description("The SQL to run; several statements separated by ';' run in order in one transaction.")]
        [MinLength(1)]
        public required string Sql { get; init; }

        [Description("Values bound to @name placeholders, name to JSON value (text, number, boolean, null).")]
        public IReadOnlyDictionary<string, JsonElement>? Parameters { get; init; }
    }

    public sealed record Output
    {
        [Description("Rows inserted, updated or deleted by the statements (0 for DDL).")]
        public required long RowsAffected { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var connection = connections.Get(input.Connection ?? "warehouse", SqlConnections.Types);
        var token = context.CancellationToken;
        await using var database = await SqlConnections.OpenAsync(connection, context.Data, token).ConfigureAwait(false);
        Executing(context.Logger, connection.Name, SqlConnections.Excerpt(input.Sql));
        await using var transaction = await database.BeginTransactionAsync(token).ConfigureAwait(false);
        var statements = SqlStatements.Split(input.Sql);
        long affected = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            await using var command = database.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statements[i];
            command.CommandTimeout = 0; // the task's timeout bounds the statement, through the cancellation token
            SqlValues.Bind(command, Used(input.Parameters, statements[i]));
            try
            {
                affected += Math.Max(0, await command.ExecuteNonQueryAsync(token).ConfigureAwait(false));
            }
            catch (DbException e)
            {
                throw SqlConnections.Failure(connections, connection, statements[i], e, statements.Count == 1 ? null : $"{i + 1} of {statements.Count}");
            }
        }

        try
        {
            await transaction.CommitAsync(token).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            throw SqlConnections.Failure(connections, connection, "COMMIT", e);
        }

        Executed(context.Logger, affected);
        return new Output { RowsAffected = affected };
    }

    /// <summary>The parameters a statement names: a statement is sent with those only.</summary>
    private static Dictionary<string, JsonElement>? Used(IReadOnlyDictionary<string, JsonElement>? parameters, string statement)
        => parameters?.Where(p => statement.Contains("@" + p.Key, StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Executing on {Connection}: {Sql}")]
    private static partial void Executing(ILogger logger, string connection, string sql);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed; {Rows} rows affected")]
    private static partial void Executed(ILogger logger, long rows);
}
