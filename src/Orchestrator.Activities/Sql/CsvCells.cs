using System.Text.Json.Nodes;
using Sylvan.Data.Csv;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// A CSV read past sql.load's sample cell by cell, as <see cref="DataFiles.RecordReader"/> reads it but without making
/// a JSON record of each line: the loaders write the sample's records, then the cells of the lines after it.
/// </summary>
internal static class CsvCells
{
    /// <summary>
    /// Hands every record of the file to a loader, each with its number (from 1), and returns how many there were: the
    /// sample's records, then the cells of the lines past it when <paramref name="csvPath"/> is a CSV whose header is
    /// exactly <paramref name="columns"/>; otherwise the rest of the records.
    /// </summary>
    public static async Task<long> ForEachAsync(
        SampledRecords records,
        string? csvPath,
        IReadOnlyList<string> columns,
        Func<JsonObject, long, Task> record,
        Func<CsvDataReader, long, Task> line,
        CancellationToken cancellationToken)
    {
        long rows = 0;
        var cells = csvPath is null ? null : await OpenPastSampleAsync(csvPath, columns, records.Sample.Count, cancellationToken).ConfigureAwait(false);
        if (cells is null)
        {
            await foreach (var each in records.AllAsync().ConfigureAwait(false))
            {
                await record(each, ++rows).ConfigureAwait(false);
            }

            return rows;
        }

        await using (cells.ConfigureAwait(false))
        {
            foreach (var each in records.Sample)
            {
                await record(each, ++rows).ConfigureAwait(false);
            }

            while (await cells.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await line(cells, ++rows).ConfigureAwait(false);
            }
        }

        return rows;
    }

    /// <summary>
    /// A second reader of the file, opened as the record reader opens it and moved past the <paramref name="sampled"/>
    /// records, when its header is exactly <paramref name="columns"/>; null otherwise (the records are written as read).
    /// </summary>
    private static async Task<CsvDataReader?> OpenPastSampleAsync(string path, IReadOnlyList<string> columns, int sampled, CancellationToken cancellationToken)
    {
        var reader = await CsvDataReader.CreateAsync(path, null, cancellationToken).ConfigureAwait(false);
        if (!Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).SequenceEqual(columns, StringComparer.Ordinal))
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        for (var skip = sampled; skip > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false); skip--)
        {
        }

        return reader;
    }

    /// <summary>Cell <paramref name="column"/> of the current line; empty (NULL) when the line is shorter.</summary>
    public static ReadOnlySpan<char> Cell(this CsvDataReader reader, int column)
        => column < reader.RowFieldCount ? reader.GetFieldSpan(column) : default;
}
