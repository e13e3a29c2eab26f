using Sylvan.Data.Csv;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// A CSV read past sql.load's sample cell by cell, as <see cref="DataFiles.RecordReader"/> reads it but without making
/// a JSON record of each line: the loaders write the sample's records, then the cells of the lines after it.
/// </summary>
internal static class CsvCells
{
    /// <summary>
    /// A second reader of the file, opened as the record reader opens it and moved past the <paramref name="sampled"/>
    /// records, when its header is exactly <paramref name="columns"/>; null otherwise (the records are written as read).
    /// </summary>
    public static async Task<CsvDataReader?> OpenPastSampleAsync(string path, IReadOnlyList<string> columns, int sampled, CancellationToken cancellationToken)
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
