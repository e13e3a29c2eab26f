using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.DataFiles;

/// <summary>Writes records durably (see <see cref="DurableFile"/>) as jsonl, json, parquet, csv, yaml, xml or xlsx.</summary>
public static class RecordWriter
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false, SkipValidation = true };

    /// <param name="columns">Parquet columns that come first with a fixed kind (e.g. timestamps written as ISO strings), present even with no records.</param>
    public static Task WriteAsync(
        string path,
        RecordFormat format,
        IReadOnlyList<JsonObject> records,
        IReadOnlyList<(string Name, ColumnKind Kind)>? columns,
        CancellationToken cancellationToken)
        => format switch
        {
            RecordFormat.Jsonl => DurableFile.WriteAsync(path, stream => WriteLinesAsync(stream, records, cancellationToken), cancellationToken),
            RecordFormat.Json => DurableFile.WriteAsync(path, stream => WriteArrayAsync(stream, records, cancellationToken), cancellationToken),
            RecordFormat.Parquet => DurableFile.WriteAsync(path,
                stream => ParquetColumns.WriteAsync(stream, records, ParquetColumns.Infer(records, columns), cancellationToken), cancellationToken),
            RecordFormat.Csv => DurableFile.WriteAsync(path, stream => OtherFormats.WriteCsvAsync(stream, records, cancellationToken), cancellationToken),
            RecordFormat.Yaml => DurableFile.WriteAsync(path, stream => OtherFormats.WriteYamlAsync(stream, records, cancellationToken), cancellationToken),
            RecordFormat.Xml => DurableFile.WriteAsync(path, stream => OtherFormats.WriteXmlAsync(stream, records, cancellationToken), cancellationToken),
            RecordFormat.Xlsx => DurableFile.WriteAsync(path, stream => OtherFormats.WriteXlsxAsync(stream, records, cancellationToken), cancellationToken),
            _ => throw new ActivityFailedException($"records cannot be written as {format.ToString().ToLowerInvariant()}"),
        };

    private static async Task WriteLinesAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
    {
        var newline = "\n"u8.ToArray();

        // Not disposed: that would close the file, which DurableFile still flushes to disk.
        var buffered = new BufferedStream(stream, 1 << 16);
        using var writer = new Utf8JsonWriter(buffered, Compact);
        for (var i = 0; i < records.Count; i++)
        {
            records[i].WriteTo(writer);

            // One JSON value per line: the writer takes one root value, so it is flushed and reset per line.
            writer.Flush();
            writer.Reset();
            buffered.Write(newline);
            if (i % 10_000 == 9_999)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        await buffered.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteArrayAsync(Stream stream, IReadOnlyList<JsonObject> records, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartArray();
        foreach (var record in records)
        {
            record.WriteTo(writer);
        }

        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
