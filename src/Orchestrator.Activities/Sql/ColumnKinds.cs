using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Sql;

/// <summary>What sql.load infers a new table's column to hold, from the values of the file's first records.</summary>
internal enum LoadColumnKind
{
    Integer,
    Double,
    Boolean,
    Timestamp,
    Text,
    Json,
}

internal static partial class ColumnKinds
{
    /// <summary>The kind of one value; null for a null value, which says nothing.</summary>
    public static LoadColumnKind? Of(JsonNode? node) => SqlValues.Scalar(node) switch
    {
        null => null,
        long => LoadColumnKind.Integer,
        double or decimal => LoadColumnKind.Double,
        bool => LoadColumnKind.Boolean,
        string s when node is JsonValue => IsTimestamp(s) ? LoadColumnKind.Timestamp : LoadColumnKind.Text,
        _ => LoadColumnKind.Json,
    };

    /// <summary>The kind that holds both: integers widen to doubles, anything else mixed is text.</summary>
    public static LoadColumnKind Widen(LoadColumnKind? seen, LoadColumnKind next) => seen switch
    {
        null => next,
        { } same when same == next => same,
        LoadColumnKind.Integer when next == LoadColumnKind.Double => LoadColumnKind.Double,
        LoadColumnKind.Double when next == LoadColumnKind.Integer => LoadColumnKind.Double,
        _ => LoadColumnKind.Text,
    };

    public static bool IsTimestamp(string text)
        => IsoTimestamp().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    public static string PostgresType(LoadColumnKind kind) => kind switch
    {
        LoadColumnKind.Integer => "bigint",
        LoadColumnKind.Double => "double precision",
        LoadColumnKind.Boolean => "boolean",
        LoadColumnKind.Timestamp => "timestamp with time zone",
        LoadColumnKind.Json => "jsonb",
        _ => "text",
    };

    public static string SqliteType(LoadColumnKind kind) => kind switch
    {
        LoadColumnKind.Integer or LoadColumnKind.Boolean => "INTEGER",
        LoadColumnKind.Double => "REAL",
        _ => "TEXT",
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")]
    private static partial Regex IsoTimestamp();
}
