using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

/// <summary>Quoting for the SQL the data activities build: identifiers, string literals, JSON values, type names.</summary>
public static partial class DuckSql
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A JSON value as a DuckDB literal: strings quoted, numbers and booleans as they are, null as NULL.</summary>
    public static string Literal(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Literal(value.GetString()!),
        // JSON number syntax is valid SQL numeric literal syntax.
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "TRUE",
        JsonValueKind.False => "FALSE",
        JsonValueKind.Null => "NULL",
        _ => throw new ActivityInputException($"expected a string, number, boolean or null, not {value.ValueKind.ToString().ToLowerInvariant()}"),
    };

    public static string Identifiers(IEnumerable<string> names) => string.Join(", ", names.Select(Identifier));

    /// <summary>A DuckDB type name (INTEGER, DECIMAL(10, 2), VARCHAR[], TIMESTAMP WITH TIME ZONE): checked, since a type cannot be quoted.</summary>
    public static string TypeName(string type)
    {
        if (!TypePattern().IsMatch(type))
        {
            throw new ActivityInputException($"'{type}' is not a DuckDB type name");
        }

        return type;
    }

    /// <summary>The table function that reads a file of the given format.</summary>
    public static string ReadFile(string path, RecordFormat format) => format switch
    {
        RecordFormat.Csv => $"read_csv_auto({Literal(path)}, header = true)",
        RecordFormat.Json => $"read_json_auto({Literal(path)}, format = 'array')",
        RecordFormat.Jsonl => $"read_json_auto({Literal(path)}, format = 'newline_delimited')",
        RecordFormat.Parquet => $"read_parquet({Literal(path)})",
        _ => throw new ActivityInputException($"DuckDB reads csv, json, jsonl and parquet, not {Name(format)}"),
    };

    /// <summary>The options of COPY ... TO for the given format.</summary>
    public static string CopyOptions(RecordFormat format) => format switch
    {
        RecordFormat.Csv => "FORMAT csv, HEADER true",
        RecordFormat.Json => "FORMAT json, ARRAY true",
        RecordFormat.Jsonl => "FORMAT json",
        RecordFormat.Parquet => "FORMAT parquet",
        _ => throw new ActivityInputException($"DuckDB writes csv, json, jsonl and parquet, not {Name(format)}"),
    };

    public static string Name(RecordFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>Text for a message: the SQL on one line, cut short.</summary>
    public static string Excerpt(string sql)
    {
        var builder = new StringBuilder();
        foreach (var part in sql.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            builder.Append(builder.Length == 0 ? "" : " ").Append(part);
        }

        return builder.Length <= 200 ? builder.ToString() : builder.ToString(0, 200) + "…";
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*)*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])*$")]
    private static partial Regex TypePattern();
}
