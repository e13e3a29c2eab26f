using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Core.Activities;
using Parquet;
using Parquet.Schema;
using Sylvan.Data.Csv;

namespace Orchestrator.Activities.DataFiles;

/// <summary>Reads the records of a csv, json, jsonl, parquet or text file as JSON values, streaming where the format allows.</summary>
public static class RecordReader
{
    public static IAsyncEnumerable<JsonNode?> ReadAsync(string path, RecordFormat format, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new ActivityFailedException($"file '{path}' does not exist");
        }

        return format switch
        {
            RecordFormat.Csv => ReadCsvAsync(path, cancellationToken),
            RecordFormat.Json => ReadJsonAsync(path, cancellationToken),
            RecordFormat.Jsonl => ReadJsonLinesAsync(path, cancellationToken),
            RecordFormat.Parquet => ReadParquetAsync(path, cancellationToken),
            RecordFormat.Text => ReadTextAsync(path, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    private static async IAsyncEnumerable<JsonNode?> ReadCsvAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The delimiter (comma, semicolon, tab, pipe) is detected from the header row.
        await using var csv = await CsvDataReader.CreateAsync(path).ConfigureAwait(false);
        var header = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToArray();
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var record = new JsonObject();
            for (var i = 0; i < header.Length; i++)
            {
                record[header[i]] = i < csv.RowFieldCount ? CsvValue(csv.GetString(i)) : null;
            }

            yield return record;
        }
    }

    /// <summary>A CSV cell as JSON: empty is null, integers and decimals are numbers, true/false are booleans.</summary>
    public static JsonNode? CsvValue(string? cell) => CsvValue(cell, cell);

    /// <summary>The same for a cell read as characters; they are copied to a string only when the cell is text.</summary>
    public static JsonNode? CsvValue(ReadOnlySpan<char> cell) => CsvValue(cell, null);

    private static JsonNode? CsvValue(ReadOnlySpan<char> cell, string? text) => Classify(cell, out var integer, out var number) switch
    {
        CsvCell.Null => null,
        CsvCell.Integer => JsonValue.Create(integer),
        CsvCell.Number => JsonValue.Create(number),
        CsvCell.True => JsonValue.Create(true),
        CsvCell.False => JsonValue.Create(false),
        _ => JsonValue.Create(text ?? cell.ToString()),
    };

    /// <summary>What a CSV cell holds, read as <see cref="CsvValue"/> reads it, with its integer or number.</summary>
    public static CsvCell Classify(ReadOnlySpan<char> cell, out long integer, out double number)
    {
        integer = 0;
        number = 0;
        if (cell.IsEmpty)
        {
            return CsvCell.Null;
        }

        if (HasLeadingZero(cell))
        {
            return CsvCell.Text;
        }

        if (long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
        {
            return CsvCell.Integer;
        }

        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number) && char.IsDigit(cell[^1]))
        {
            return CsvCell.Number;
        }

        return cell switch
        {
            "true" or "True" or "TRUE" => CsvCell.True,
            "false" or "False" or "FALSE" => CsvCell.False,
            _ => CsvCell.Text,
        };
    }

    // "007" is an identifier, not seven.
    private static bool HasLeadingZero(ReadOnlySpan<char> cell)
    {
        var digits = cell.TrimStart("+-");
        return digits.Length > 1 && digits[0] == '0' && char.IsAsciiDigit(digits[1]);
    }

    private static async IAsyncEnumerable<JsonNode?> ReadJsonAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        JsonNode? root;
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                root = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new ActivityFailedException($"'{path}' is not valid JSON: {e.Message}", e);
            }
        }

        if (root is JsonArray array)
        {
            foreach (var item in array)
            {
                yield return item?.DeepClone();
            }
        }
        else
        {
            yield return root;
        }
    }

    private static async IAsyncEnumerable<JsonNode?> ReadJsonLinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new ActivityFailedException($"{path}:{number}: not a JSON value: {e.Message}", e);
            }

            yield return node;
        }
    }

    private static async IAsyncEnumerable<JsonNode?> ReadTextAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            yield return JsonValue.Create(line);
        }
    }

    private static async IAsyncEnumerable<JsonNode?> ReadParquetAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields();
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var rows = reader.OpenRowGroupReader(group);
            var count = checked((int)rows.RowCount);
            var columns = new JsonNode?[fields.Length][];
            for (var f = 0; f < fields.Length; f++)
            {
                columns[f] = await ParquetColumns.ReadAsync(rows, fields[f], count, cancellationToken).ConfigureAwait(false);
            }

            for (var row = 0; row < count; row++)
            {
                var record = new JsonObject();
                for (var f = 0; f < fields.Length; f++)
                {
                    record[fields[f].Name] = columns[f][row];
                }

                yield return record;
            }
        }
    }
}

/// <summary>What a CSV cell holds (see <see cref="RecordReader.Classify"/>).</summary>
public enum CsvCell
{
    Null,
    Text,
    Integer,
    Number,
    True,
    False,
}
