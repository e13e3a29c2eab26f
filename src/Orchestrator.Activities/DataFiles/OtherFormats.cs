using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Data;

namespace Orchestrator.Activities.DataFiles;

/// <summary>The text and office formats records are written as: csv (RFC 4180), and yaml, xml and xlsx through <see cref="SheetFormats"/>.</summary>
internal static class OtherFormats
{
    /// <summary>Every field of every record, in first-seen order: the header of tabular formats.</summary>
    public static IReadOnlyList<string> Columns(IReadOnlyList<JsonObject> records)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var columns = new List<string>();
        foreach (var record in records)
        {
            foreach (var (name, _) in record)
            {
                if (seen.Add(name))
                {
                    columns.Add(name);
                }
            }
        }

        return columns;
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static async Task WriteCsvAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
    {
        var columns = Columns(records);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        await writer.WriteLineAsync(string.Join(',', columns.Select(Quote))).ConfigureAwait(false);
        var line = new StringBuilder();
        foreach (var record in records)
        {
            line.Clear();
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                line.Append(Quote(Text(JsonScalar.ToClr(record[columns[i]]))));
            }

            await writer.WriteLineAsync(line, cancellationToken).ConfigureAwait(false);
        }
    }

    // RFC 4180: a field with a comma, a quote, a line break or edge blanks is quoted, quotes doubled.
    private static string Quote(string field)
        => field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1])))
            ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
            : field;

    // yaml, xml and xlsx are written by the same code data.convert uses, so the two activities agree on the layout.
    public static Task WriteYamlAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
        => WriteSheetAsync(stream, SheetFormat.Yaml, records, cancellationToken);

    public static Task WriteXmlAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
        => WriteSheetAsync(stream, SheetFormat.Xml, records, cancellationToken);

    public static Task WriteXlsxAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
        => WriteSheetAsync(stream, SheetFormat.Xlsx, records, cancellationToken);

    private static Task WriteSheetAsync(Stream stream, SheetFormat format, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
    {
        var columns = Columns(records);
        var rows = records.Select(r => columns.ToDictionary(c => c, c => JsonScalar.ToClr(r[c]), StringComparer.Ordinal)).ToList();
        return SheetFormats.WriteAsync(stream, format, columns, rows, cancellationToken);
    }
}
