using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

[Activity("data.clean", Category = "Data",
    Description = "Cleans one csv, json, jsonl or parquet file with DuckDB and writes the result. Rules run in this order: rename, trim, cast, " +
                  "dropNullsIn, fill, filter, dedupeOn (keeps the first row in file order), derive. Returns rows in and out and what each rule did.")]
public sealed partial class DataCleanActivity : Activity<DataCleanActivity.CleanInput, DataCleanActivity.CleanOutput>
{
    private const string Table = "\"__clean\"";
    private const string RowNumber = "\"__row\"";

    public sealed record CleanInput
    {
        [Description("The file to clean, relative to the data directory: csv, json, jsonl or parquet.")]
        [MinLength(1)]
        public required string Input { get; init; }

        [Description("The input's format when the extension does not tell.")]
        public string? InputFormat { get; init; }

        [Description("The cleaned file, relative to the data directory: csv, json, jsonl or parquet.")]
        [MinLength(1)]
        public required string Output { get; init; }

        [Description("The output's format when the extension does not tell.")]
        public string? Format { get; init; }

        [Description("1. Columns to rename: old name → new name.")]
        public IReadOnlyDictionary<string, string>? Rename { get; init; }

        [Description("2. Strip leading and trailing spaces: true for every text column, or a list of columns.")]
        public JsonElement? Trim { get; init; }

        [Description("3. Columns to convert: column → DuckDB type (INTEGER, DOUBLE, DECIMAL(10,2), DATE, TIMESTAMP...). A value that does not convert fails the task.")]
        public IReadOnlyDictionary<string, string>? Cast { get; init; }

        [Description("4. Drop rows with a null in any of these columns.")]
        public IReadOnlyList<string>? DropNullsIn { get; init; }

        [Description("5. Replace nulls: column → { \"constant\": value } or { \"statistic\": \"mean\" | \"median\" } (of the column's non-null values).")]
        public IReadOnlyDictionary<string, FillRule>? Fill { get; init; }

        [Description("6. Keep only the rows for which this DuckDB boolean expression is true.")]
        public string? Filter { get; init; }

        [Description("7. Drop rows whose values in these key columns repeat an earlier row's (the first in file order is kept).")]
        public IReadOnlyList<string>? DedupeOn { get; init; }

        [Description("8. New columns: name → DuckDB expression over the row (e.g. CAST(ts AS DATE), hour(ts), dayname(ts), CASE ... END); later ones may use earlier ones.")]
        public IReadOnlyDictionary<string, string>? Derive { get; init; }
    }

    public sealed record FillRule
    {
        [Description("The value nulls become.")]
        public JsonElement? Constant { get; init; }

        [Description("mean or median: nulls become this statistic of the column.")]
        [RegularExpression("^(mean|median)$")]
        public string? Statistic { get; init; }
    }

    public sealed record CleanOutput
    {
        [Description("The file written.")]
        public required string Path { get; init; }

        [Description("Rows read.")]
        public required long RowsIn { get; init; }

        [Description("Rows written.")]
        public required long RowsOut { get; init; }

        [Description("What each rule that ran did.")]
        public required RuleCounts Rules { get; init; }
    }

    public sealed record RuleCounts
    {
        [Description("Columns renamed.")]
        public long? Renamed { get; init; }

        [Description("Rows in which trimming changed a value.")]
        public long? Trimmed { get; init; }

        [Description("Columns converted.")]
        public long? Cast { get; init; }

        [Description("Rows dropped for nulls.")]
        public long? DroppedNulls { get; init; }

        [Description("Null values filled.")]
        public long? Filled { get; init; }

        [Description("Rows the filter removed.")]
        public long? Filtered { get; init; }

        [Description("Duplicate rows removed.")]
        public long? Deduplicated { get; init; }

        [Description("Columns derived.")]
        public long? Derived { get; init; }
    }

    protected override async Task<CleanOutput> ExecuteAsync(CleanInput input, ActivityContext context)
    {
        using var session = DuckSession.Open(context);
        session.CreateView("__input", input.Input, input.InputFormat);
        session.Execute($"CREATE TABLE {Table} AS SELECT *, row_number() OVER () AS {RowNumber} FROM \"__input\"");
        var rowsIn = session.Count($"SELECT count(*) FROM {Table}");
        var rules = new RuleCounts();

        if (input.Rename is { Count: > 0 } rename)
        {
            foreach (var (from, to) in rename)
            {
                session.Execute($"ALTER TABLE {Table} RENAME COLUMN {DuckSql.Identifier(from)} TO {DuckSql.Identifier(to)}");
            }

            rules = rules with { Renamed = rename.Count };
        }

        if (TrimColumns(input.Trim, session) is { Count: > 0 } trim)
        {
            var sets = string.Join(", ", trim.Select(c => $"{DuckSql.Identifier(c)} = trim({DuckSql.Identifier(c)})"));
            var changed = string.Join(" OR ", trim.Select(c => $"{DuckSql.Identifier(c)} IS DISTINCT FROM trim({DuckSql.Identifier(c)})"));
            rules = rules with { Trimmed = session.Execute($"UPDATE {Table} SET {sets} WHERE {changed}") };
        }

        if (input.Cast is { Count: > 0 } cast)
        {
            foreach (var (column, type) in cast)
            {
                session.Execute($"ALTER TABLE {Table} ALTER COLUMN {DuckSql.Identifier(column)} SET DATA TYPE {DuckSql.TypeName(type)}");
            }

            rules = rules with { Cast = cast.Count };
        }

        if (input.DropNullsIn is { Count: > 0 } dropNulls)
        {
            var anyNull = string.Join(" OR ", dropNulls.Select(c => $"{DuckSql.Identifier(c)} IS NULL"));
            rules = rules with { DroppedNulls = session.Execute($"DELETE FROM {Table} WHERE {anyNull}") };
        }

        if (input.Fill is { Count: > 0 } fill)
        {
            long filled = 0;
            foreach (var (column, rule) in fill)
            {
                filled += session.Execute($"UPDATE {Table} SET {DuckSql.Identifier(column)} = {FillValue(column, rule)} WHERE {DuckSql.Identifier(column)} IS NULL");
            }

            rules = rules with { Filled = filled };
        }

        if (!string.IsNullOrWhiteSpace(input.Filter))
        {
            rules = rules with { Filtered = session.Execute($"DELETE FROM {Table} WHERE NOT coalesce(({input.Filter}), false)") };
        }

        if (input.DedupeOn is { Count: > 0 } keys)
        {
            rules = rules with
            {
                Deduplicated = session.Execute(
                    $"DELETE FROM {Table} WHERE {RowNumber} NOT IN (SELECT min({RowNumber}) FROM {Table} GROUP BY {DuckSql.Identifiers(keys)})"),
            };
        }

        if (input.Derive is { Count: > 0 } derive)
        {
            foreach (var (column, expression) in derive)
            {
                session.Execute($"CREATE OR REPLACE TABLE {Table} AS SELECT *, ({expression}) AS {DuckSql.Identifier(column)} FROM {Table}");
            }

            rules = rules with { Derived = derive.Count };
        }

        var (_, _, rowsOut) = await session.CopyToAsync($"SELECT * EXCLUDE ({RowNumber}) FROM {Table} ORDER BY {RowNumber}", input.Output, input.Format)
            .ConfigureAwait(false);
        Cleaned(context.Logger, rowsIn, rowsOut, input.Output);
        return new CleanOutput { Path = input.Output, RowsIn = rowsIn, RowsOut = rowsOut, Rules = rules };
    }

    private static IReadOnlyList<string>? TrimColumns(JsonElement? trim, DuckSession session) => trim switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.False } => null,
        { ValueKind: JsonValueKind.True } => session.Columns($"SELECT * FROM {Table}").Where(c => c.Type == "VARCHAR").Select(c => c.Name).ToArray(),
        { ValueKind: JsonValueKind.Array } columns when columns.EnumerateArray().All(c => c.ValueKind == JsonValueKind.String)
            => columns.EnumerateArray().Select(c => c.GetString()!).ToArray(),
        _ => throw new ActivityInputException("trim is true or a list of column names"),
    };

    private static string FillValue(string column, FillRule rule)
    {
        var name = DuckSql.Identifier(column);
        return (rule.Constant, rule.Statistic) switch
        {
            ({ } constant, null) => DuckSql.Literal(constant),
            (null, "mean") => $"(SELECT avg({name}) FROM {Table})",
            (null, "median") => $"(SELECT median({name}) FROM {Table})",
            _ => throw new ActivityInputException($"fill for '{column}' needs exactly one of constant or statistic (mean or median)"),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "cleaned {RowsIn} rows into {RowsOut} rows in {Path}")]
    private static partial void Cleaned(ILogger logger, long rowsIn, long rowsOut, string path);
}
