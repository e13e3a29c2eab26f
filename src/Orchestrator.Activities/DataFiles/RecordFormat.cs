using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.DataFiles;

/// <summary>The file formats records are read from and written to.</summary>
public enum RecordFormat
{
    /// <summary>Comma-separated values with a header row; numbers and booleans are recognised, empty cells are null.</summary>
    Csv,

    /// <summary>A JSON array of records (or one record).</summary>
    Json,

    /// <summary>One JSON value per line.</summary>
    Jsonl,

    /// <summary>Apache Parquet, one column per field.</summary>
    Parquet,

    /// <summary>One string record per line, the line as it is.</summary>
    Text,

    /// <summary>A YAML sequence of mappings (written only).</summary>
    Yaml,

    /// <summary>&lt;records&gt;&lt;record&gt;&lt;field&gt;value&lt;/field&gt;… (written only).</summary>
    Xml,

    /// <summary>An Excel workbook, one sheet with a header row (written only).</summary>
    Xlsx,
}

public static class RecordFormats
{
    /// <summary>The explicit <paramref name="format"/>, else the one the file extension names.</summary>
    public static RecordFormat Resolve(string path, string? format)
    {
        var name = format ?? Path.GetExtension(path).TrimStart('.') switch
        {
            "ndjson" => "jsonl",
            "txt" => "text",
            var extension => extension,
        };
        return name.ToLowerInvariant() switch
        {
            "csv" => RecordFormat.Csv,
            "json" => RecordFormat.Json,
            "jsonl" => RecordFormat.Jsonl,
            "parquet" => RecordFormat.Parquet,
            "text" => RecordFormat.Text,
            "yaml" or "yml" => RecordFormat.Yaml,
            "xml" => RecordFormat.Xml,
            "xlsx" => RecordFormat.Xlsx,
            _ => throw new ActivityFailedException(
                format is null
                    ? $"cannot tell the format of '{path}' from its extension; set format (csv, json, jsonl, parquet, text, yaml, xml or xlsx)"
                    : $"unknown format '{format}' (use csv, json, jsonl, parquet, text, yaml, xml or xlsx)"),
        };
    }
}
