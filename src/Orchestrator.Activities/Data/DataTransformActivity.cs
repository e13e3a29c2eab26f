using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

[Activity("data.transform", Category = "Data",
    Description = "Runs DuckDB SQL over files: each input (csv, json, jsonl or parquet) becomes a view named by its key; joins, window functions and " +
                  "GROUP BY CUBE / ROLLUP / GROUPING SETS for aggregate cubes. The result is written to one csv, json, jsonl or parquet file.")]
public sealed partial class DataTransformActivity : Activity<DataTransformActivity.Input, DataTransformActivity.Output>
{
    public sealed record Input
    {
        [Description("The views the SQL reads: view name → file path relative to the data directory (format from the extension).")]
        [MinLength(1)]
        public required IReadOnlyDictionary<string, string> Inputs { get; init; }

        [Description("One DuckDB SELECT (or WITH ... SELECT) over the views.")]
        [MinLength(1)]
        public required string Sql { get; init; }

        [Description("The result file, relative to the data directory: .csv, .json, .jsonl or .parquet.")]
        [MinLength(1)]
        public required string Output { get; init; }

        [Description("The result's format when the extension does not tell: csv, json, jsonl or parquet.")]
        public string? Format { get; init; }
    }

    public sealed record Output
    {
        [Description("The file written.")]
        public required string Path { get; init; }

        [Description("Rows in the file.")]
        public required long Rows { get; init; }

        [Description("The result's column names, in order.")]
        public required IReadOnlyList<string> Columns { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        if (input.Inputs.Count == 0)
        {
            throw new ActivityInputException("inputs names no file");
        }

        using var session = DuckSession.Open(context);
        foreach (var (name, path) in input.Inputs)
        {
            if (!ViewName().IsMatch(name))
            {
                throw new ActivityInputException($"input name '{name}' is not a plain identifier (letters, digits, underscores)");
            }

            session.CreateView(name, path);
        }

        var sql = input.Sql.Trim().TrimEnd(';');
        session.Execute($"CREATE VIEW \"__result\" AS {sql}");
        var columns = session.Columns("SELECT * FROM \"__result\"").Select(c => c.Name).ToArray();
        var (_, _, rows) = await session.CopyToAsync("SELECT * FROM \"__result\"", input.Output, input.Format).ConfigureAwait(false);
        Transformed(context.Logger, rows, columns.Length, input.Output);
        return new Output { Path = input.Output, Rows = rows, Columns = columns };
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ViewName();

    [LoggerMessage(Level = LogLevel.Information, Message = "wrote {Rows} rows of {Columns} columns to {Path}")]
    private static partial void Transformed(ILogger logger, long rows, int columns, string path);
}
