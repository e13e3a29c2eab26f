using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

[Activity("data.quality", Category = "Data",
    Description = "Checks one csv, json, jsonl or parquet file with DuckDB: row_count, not_null, unique, accepted_values, range, freshness (against the " +
                  "server's clock) and sql (a query returning the violating rows; the file is the view data). A fail check with violations fails the " +
                  "task, listing them; warn checks let it succeed and are returned as warnings.")]
public sealed partial class DataQualityActivity : Activity<DataQualityActivity.QualityInput, DataQualityActivity.QualityOutput>
{
    private const string View = "\"data\"";
    private const int SampleSize = 5;

    public sealed record QualityInput
    {
        [Description("The file to check, relative to the data directory: csv, json, jsonl or parquet.")]
        [MinLength(1)]
        public required string Input { get; init; }

        [Description("The input's format when the extension does not tell.")]
        public string? Format { get; init; }

        [Description("The checks, run in order.")]
        [MinLength(1)]
        public required IReadOnlyList<Check> Checks { get; init; }
    }

    public sealed record Check
    {
        [Description("A name for messages and outputs. Default: the type and its column(s).")]
        public string? Name { get; init; }

        [Description("row_count, not_null, unique, accepted_values, range, freshness or sql.")]
        [RegularExpression("^(row_count|not_null|unique|accepted_values|range|freshness|sql)$")]
        public required string Type { get; init; }

        [Description("fail (default): violations fail the task; warn: they are returned as warnings.")]
        [RegularExpression("^(fail|warn)$")]
        public string? Severity { get; init; }

        [Description("not_null, accepted_values, range, freshness: the column checked.")]
        public string? Column { get; init; }

        [Description("unique: the columns whose values together must not repeat.")]
        public IReadOnlyList<string>? Columns { get; init; }

        [Description("accepted_values: the values allowed (nulls are not checked).")]
        public IReadOnlyList<JsonElement>? Values { get; init; }

        [Description("row_count: fewest rows; range: smallest value allowed (a number, or a string such as a date).")]
        public JsonElement? Min { get; init; }

        [Description("row_count: most rows; range: largest value allowed.")]
        public JsonElement? Max { get; init; }

        [Description("freshness: the newest value of the column must be at most this old (ISO 8601 duration).")]
        public TimeSpan? MaxAge { get; init; }

        [Description("sql: a DuckDB query over the view data that returns the violating rows.")]
        public string? Query { get; init; }
    }

    public sealed record QualityOutput
    {
        [Description("Checks without violations.")]
        public required IReadOnlyList<string> Passed { get; init; }

        [Description("fail checks with violations (empty when the task succeeds).")]
        public required IReadOnlyList<CheckResult> Failed { get; init; }

        [Description("warn checks with violations.")]
        public required IReadOnlyList<CheckResult> Warnings { get; init; }
    }

    public sealed record CheckResult
    {
        [Description("The check's name.")]
        public required string Name { get; init; }

        [Description("Violating rows (row_count: 1; unique: key values that repeat; freshness: 1).")]
        public required long Violations { get; init; }

        [Description("A few violating rows.")]
        public required IReadOnlyList<JsonObject> Samples { get; init; }
    }

    protected override Task<QualityOutput> ExecuteAsync(QualityInput input, ActivityContext context)
    {
        using var session = DuckSession.Open(context);
        session.CreateView("data", input.Input, input.Format);
        var now = context.Time.GetUtcNow();
        var passed = new List<string>();
        var failed = new List<CheckResult>();
        var warnings = new List<CheckResult>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in input.Checks)
        {
            var name = Unique(names, check.Name ?? DefaultName(check));
            var violating = ViolatingRows(check, session, now);
            var violations = session.Count($"SELECT count(*) FROM ({violating})");
            if (violations == 0)
            {
                passed.Add(name);
                continue;
            }

            var result = new CheckResult { Name = name, Violations = violations, Samples = session.Rows($"SELECT * FROM ({violating}) LIMIT {SampleSize}") };
            if (check.Severity == "warn")
            {
                warnings.Add(result);
                Warned(context.Logger, name, violations, Samples(result));
            }
            else
            {
                failed.Add(result);
                CheckFailed(context.Logger, name, violations, Samples(result));
            }
        }

        if (failed.Count > 0)
        {
            throw new ActivityFailedException(
                $"{failed.Count} of {input.Checks.Count} quality checks failed: " +
                string.Join("; ", failed.Select(f => $"{f.Name}: {Violations(f)} (e.g. {Samples(f)})")));
        }

        // A task that succeeds with warnings emits one anomaly per warning (alert rules on "anomaly" receive them).
        foreach (var warning in warnings)
        {
            context.Anomalies.Report($"quality check {warning.Name}: {Violations(warning)} in {input.Input} (e.g. {Samples(warning)})");
        }

        return Task.FromResult(new QualityOutput { Passed = passed, Failed = failed, Warnings = warnings });
    }

    private static string Violations(CheckResult result) => $"{result.Violations} violation{(result.Violations == 1 ? "" : "s")}";

    /// <summary>A query returning the rows that violate the check.</summary>
    private static string ViolatingRows(Check check, DuckSession session, DateTimeOffset now) => check.Type switch
    {
        "row_count" => $"SELECT count(*) AS rows FROM {View} HAVING " +
                       Bounds("count(*)", check.Min is { } min ? Whole(min, "min") : null, check.Max is { } max ? Whole(max, "max") : null, "row_count"),
        "not_null" => $"SELECT * FROM {View} WHERE {Column(check)} IS NULL",
        "unique" => check.Columns is { Count: > 0 } columns
            ? $"SELECT {DuckSql.Identifiers(columns)}, count(*) AS occurrences FROM {View} GROUP BY {DuckSql.Identifiers(columns)} HAVING count(*) > 1"
            : throw new ActivityInputException("a unique check needs columns"),
        "accepted_values" => check.Values is { Count: > 0 } values
            ? $"SELECT * FROM {View} WHERE {Column(check)} IS NOT NULL AND {Column(check)} NOT IN ({string.Join(", ", values.Select(DuckSql.Literal))})"
            : throw new ActivityInputException("an accepted_values check needs values"),
        "range" => $"SELECT * FROM {View} WHERE " +
                   Bounds(Column(check), check.Min is { } min ? DuckSql.Literal(min) : null, check.Max is { } max ? DuckSql.Literal(max) : null, "range"),
        "freshness" => Freshness(check, session, now),
        "sql" => string.IsNullOrWhiteSpace(check.Query)
            ? throw new ActivityInputException("a sql check needs a query")
            : check.Query.Trim().TrimEnd(';'),
        _ => throw new ActivityInputException($"unknown check type '{check.Type}'"),
    };

    private static string Freshness(Check check, DuckSession session, DateTimeOffset now)
    {
        var maxAge = check.MaxAge ?? throw new ActivityInputException("a freshness check needs maxAge");
        var column = Column(check);
        var type = session.Columns($"SELECT {column} FROM {View}").Single().Type;
        // A timestamp without a zone is read as UTC; epoch_ms of a TIMESTAMPTZ is zone-independent.
        var value = type == "TIMESTAMP WITH TIME ZONE" ? $"max({column})" : $"max(CAST({column} AS TIMESTAMP))";
        var cutoff = (now - maxAge).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return $"SELECT {value} AS latest, {DuckSql.Literal(now.ToString("O", CultureInfo.InvariantCulture))} AS checked_at FROM {View} " +
               $"HAVING {value} IS NULL OR epoch_ms({value}) < {cutoff}";
    }

    private static string Bounds(string value, string? min, string? max, string type) => (min, max) switch
    {
        (null, null) => throw new ActivityInputException($"a {type} check needs min, max or both"),
        ({ }, null) => $"{value} < {min}",
        (null, { }) => $"{value} > {max}",
        _ => $"{value} < {min} OR {value} > {max}",
    };

    private static string Whole(JsonElement value, string name)
        => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var whole)
            ? whole.ToString(CultureInfo.InvariantCulture)
            : throw new ActivityInputException($"row_count {name} must be a whole number");

    private static string Column(Check check)
        => DuckSql.Identifier(check.Column ?? throw new ActivityInputException($"a {check.Type} check needs a column"));

    private static string DefaultName(Check check) => check.Type switch
    {
        "unique" when check.Columns is { } columns => $"unique({string.Join(", ", columns)})",
        _ when check.Column is { } column => $"{check.Type}({column})",
        _ => check.Type,
    };

    private static string Unique(HashSet<string> names, string name)
    {
        var candidate = name;
        for (var i = 2; !names.Add(candidate); i++)
        {
            candidate = $"{name}#{i}";
        }

        return candidate;
    }

    private static string Samples(CheckResult result) => string.Join(", ", result.Samples.Take(3).Select(s => s.ToJsonString()));

    [LoggerMessage(Level = LogLevel.Warning, Message = "quality warning {Check}: {Violations} violations, e.g. {Samples}")]
    private static partial void Warned(ILogger logger, string check, long violations, string samples);

    [LoggerMessage(Level = LogLevel.Error, Message = "quality check {Check} failed: {Violations} violations, e.g. {Samples}")]
    private static partial void CheckFailed(ILogger logger, string check, long violations, string samples);
}
