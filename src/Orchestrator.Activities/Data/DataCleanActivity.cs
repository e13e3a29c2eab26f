using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

[Activity("data.clean", Category = "Data",
    Description = "Cleans one csv, json, jsonl or parquet file with DuckDB and writes the result. Rules run in this order: rename, trim, cast, " +
                  "dropNullsIn, fill, filter, dedupeOn (keeps the first row in file order), derive, drop. Nothing changes silently: derive onto an " +
                  "existing column fails unless replace is true, and the outputs report rows in, rows out and rows changed by each step.")]
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

        [Description("3. Columns to convert: column → DuckDB type (INTEGER, DOUBLE, DECIMAL(10,2), DATE, TIMESTAMP...). A value that does not convert fails the task, unless castMode is try.")]
        public IReadOnlyDictionary<string, string>? Cast { get; init; }

        [Description("3. fail (default): a value that does not convert fails the task, naming it. try: it becomes NULL, and the outputs count it (rules.nulled, the cast step's nulled).")]
        [RegularExpression("^(fail|try)$")]
        public string? CastMode { get; init; }

        [Description("4. Drop rows with a null in any of these columns.")]
        public IReadOnlyList<string>? DropNullsIn { get; init; }

        [Description("5. Replace nulls: column → { \"constant\": value } or { \"statistic\": \"mean\" | \"median\" } (of the column's non-null values).")]
        public IReadOnlyDictionary<string, FillRule>? Fill { get; init; }

        [Description("6. Keep only the rows for which this DuckDB boolean expression is true.")]
        public string? Filter { get; init; }

        [Description("7. Drop rows whose values in these key columns repeat an earlier row's (the first in file order is kept).")]
        public IReadOnlyList<string>? DedupeOn { get; init; }

        [Description("8. New columns: name → DuckDB expression over the row (e.g. CAST(ts AS DATE), hour(ts), dayname(ts), CASE ... END); later ones may use earlier ones. " +
                     "A name that is already a column fails the task, unless replace is true.")]
        public IReadOnlyDictionary<string, string>? Derive { get; init; }

        [Description("8. true: derive may replace a column that already exists (in place, its changed rows counted). false (default): deriving an existing column fails the task, naming it.")]
        public bool Replace { get; init; }

        [Description("9. Columns to remove from the output (last, so the rules before may use them). A column that does not exist fails the task.")]
        public IReadOnlyList<string>? Drop { get; init; }
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

        [Description("Each rule that ran, in order: the rows it received, the rows it kept and the rows in which it changed a value.")]
        public required IReadOnlyList<StepCounts> Steps { get; init; }
    }

    public sealed record StepCounts
    {
        [Description("The rule: rename, trim, cast, dropNullsIn, fill, filter, dedupeOn, derive or drop.")]
        public required string Step { get; init; }

        [Description("The columns the rule named (for rename, the new names).")]
        public IReadOnlyList<string>? Columns { get; init; }

        [Description("Rows before the rule.")]
        public required long RowsIn { get; init; }

        [Description("Rows after the rule.")]
        public required long RowsOut { get; init; }

        [Description("Rows in which the rule changed a value that existed before it (compared in the column's type before the rule; a new derived column is not a change).")]
        public required long RowsChanged { get; init; }

        [Description("cast with castMode try: values that did not convert and became NULL.")]
        public long? Nulled { get; init; }
    }

    public sealed record RuleCounts
    {
        [Description("Columns renamed.")]
        public long? Renamed { get; init; }

        [Description("Rows in which trimming changed a value.")]
        public long? Trimmed { get; init; }

        [Description("Columns converted.")]
        public long? Cast { get; init; }

        [Description("Values that did not convert and became NULL (castMode try).")]
        public long? Nulled { get; init; }

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

        [Description("Columns dropped.")]
        public long? Dropped { get; init; }
    }

    protected override async Task<CleanOutput> ExecuteAsync(CleanInput input, ActivityContext context)
    {
        using var session = DuckSession.Open(context);
        session.CreateView("__input", input.Input, input.InputFormat);
        session.Execute($"CREATE TABLE {Table} AS SELECT *, row_number() OVER () AS {RowNumber} FROM \"__input\"");
        var steps = new CleanSteps(session, Table, RowNumber);
        var rowsIn = steps.RowsIn;
        var rules = new RuleCounts();

        if (input.Rename is { Count: > 0 } rename)
        {
            steps.Run(1, "rename", [.. rename.Values], compared: [], () =>
            {
                foreach (var (from, to) in rename)
                {
                    steps.Located(1, "rename", $"rename.{from}", () =>
                        session.Execute($"ALTER TABLE {Table} RENAME COLUMN {DuckSql.Identifier(from)} TO {DuckSql.Identifier(to)}"));
                }
            });
            rules = rules with { Renamed = rename.Count };
        }

        if (TrimColumns(input.Trim, steps) is { Count: > 0 } trim)
        {
            var sets = string.Join(", ", trim.Select(c => $"{DuckSql.Identifier(c)} = trim({DuckSql.Identifier(c)})"));
            var changed = string.Join(" OR ", trim.Select(c => $"{DuckSql.Identifier(c)} IS DISTINCT FROM trim({DuckSql.Identifier(c)})"));
            long trimmed = 0;
            var step = steps.Run(2, "trim", trim, compared: [], () =>
                trimmed = steps.Located(2, "trim", "trim", () => session.Execute($"UPDATE {Table} SET {sets} WHERE {changed}")));
            // The UPDATE touches exactly the rows in which trimming changed a value.
            steps.Amend(step with { RowsChanged = trimmed });
            rules = rules with { Trimmed = trimmed };
        }

        if (input.Cast is { Count: > 0 } cast)
        {
            var tryCast = input.CastMode switch
            {
                null or "fail" => false,
                "try" => true,
                var other => throw new ActivityInputException($"castMode is fail or try, not '{other}'"),
            };
            long nulled = 0;
            var step = steps.Run(3, "cast", [.. cast.Keys], compared: [.. cast.Keys], () =>
            {
                foreach (var (column, type) in cast)
                {
                    steps.Located(3, "cast", $"cast.{column}", () =>
                    {
                        var name = DuckSql.Identifier(column);
                        var typeName = DuckSql.TypeName(type);
                        if (tryCast)
                        {
                            nulled += session.Count($"SELECT count(*) FROM {Table} WHERE {name} IS NOT NULL AND TRY_CAST({name} AS {typeName}) IS NULL");
                        }

                        session.Execute($"ALTER TABLE {Table} ALTER COLUMN {name} SET DATA TYPE {typeName}" + (tryCast ? $" USING TRY_CAST({name} AS {typeName})" : ""));
                    });
                }
            });
            if (tryCast)
            {
                steps.Amend(step with { Nulled = nulled });
            }

            rules = rules with { Cast = cast.Count, Nulled = tryCast ? nulled : null };
        }

        if (input.DropNullsIn is { Count: > 0 } dropNulls)
        {
            var anyNull = string.Join(" OR ", dropNulls.Select(c => $"{DuckSql.Identifier(c)} IS NULL"));
            rules = rules with { DroppedNulls = steps.Delete(4, "dropNullsIn", dropNulls, $"DELETE FROM {Table} WHERE {anyNull}") };
        }

        if (input.Fill is { Count: > 0 } fill)
        {
            long filled = 0;
            steps.Run(5, "fill", [.. fill.Keys], compared: [.. fill.Keys], () =>
            {
                foreach (var (column, rule) in fill)
                {
                    filled += steps.Located(5, "fill", $"fill.{column}", () =>
                        session.Execute($"UPDATE {Table} SET {DuckSql.Identifier(column)} = {FillValue(column, rule)} WHERE {DuckSql.Identifier(column)} IS NULL"));
                }
            });
            rules = rules with { Filled = filled };
        }

        if (!string.IsNullOrWhiteSpace(input.Filter))
        {
            rules = rules with { Filtered = steps.Delete(6, "filter", null, $"DELETE FROM {Table} WHERE NOT coalesce(({input.Filter}), false)") };
        }

        if (input.DedupeOn is { Count: > 0 } keys)
        {
            var deduplicated = steps.Delete(7, "dedupeOn", keys,
                $"DELETE FROM {Table} WHERE {RowNumber} NOT IN (SELECT min({RowNumber}) FROM {Table} GROUP BY {DuckSql.Identifiers(keys)})");
            rules = rules with { Deduplicated = deduplicated };
        }

        if (input.Derive is { Count: > 0 } derive)
        {
            var existing = steps.ColumnNames();
            var replaced = derive.Keys.Where(existing.Contains).ToArray();
            if (!input.Replace && replaced.Length > 0)
            {
                throw new ActivityInputException(
                    $"derive.{replaced[0]} (step 8, derive): the column '{replaced[0]}' already exists; " +
                    "set \"replace\": true to replace its values, or derive a column with another name");
            }

            steps.Run(8, "derive", [.. derive.Keys], compared: replaced, () =>
            {
                foreach (var (column, expression) in derive)
                {
                    steps.Located(8, "derive", $"derive.{column}", () => session.Execute(existing.Contains(column)
                        ? $"CREATE OR REPLACE TABLE {Table} AS SELECT * REPLACE (({expression}) AS {DuckSql.Identifier(column)}) FROM {Table}"
                        : $"CREATE OR REPLACE TABLE {Table} AS SELECT *, ({expression}) AS {DuckSql.Identifier(column)} FROM {Table}"));
                    existing.Add(column);
                }
            }, countRows: true);
            rules = rules with { Derived = derive.Count };
        }

        if (input.Drop is { Count: > 0 } drop)
        {
            var existing = steps.ColumnNames();
            for (var i = 0; i < drop.Count; i++)
            {
                if (!existing.Contains(drop[i]))
                {
                    throw new ActivityInputException(
                        $"drop[{i}] (step 9, drop): there is no column '{drop[i]}' to drop; the columns are {string.Join(", ", existing.Order(StringComparer.Ordinal))}");
                }
            }

            steps.Run(9, "drop", drop, compared: [], () =>
            {
                foreach (var column in drop.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    steps.Located(9, "drop", $"drop.{column}", () => session.Execute($"ALTER TABLE {Table} DROP COLUMN {DuckSql.Identifier(column)}"));
                }
            });
            rules = rules with { Dropped = drop.Distinct(StringComparer.OrdinalIgnoreCase).Count() };
        }

        var (_, _, rowsOut) = await session.CopyToAsync($"SELECT * EXCLUDE ({RowNumber}) FROM {Table} ORDER BY {RowNumber}", input.Output, input.Format)
            .ConfigureAwait(false);
        Cleaned(context.Logger, rowsIn, rowsOut, input.Output);
        return new CleanOutput { Path = input.Output, RowsIn = rowsIn, RowsOut = rowsOut, Rules = rules, Steps = steps.Reports };
    }

    private static IReadOnlyList<string>? TrimColumns(JsonElement? trim, CleanSteps steps) => trim switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.False } => null,
        { ValueKind: JsonValueKind.True } => steps.Columns().Where(c => c.Type == "VARCHAR").Select(c => c.Name).ToArray(),
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
