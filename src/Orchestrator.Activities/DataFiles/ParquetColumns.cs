using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.Activities.DataFiles;

/// <summary>The type of a Parquet column written from JSON records.</summary>
public enum ColumnKind
{
    Int64,
    Double,
    Boolean,
    String,

    /// <summary>An ISO 8601 string written as a UTC timestamp.</summary>
    Timestamp,
}

/// <summary>Reads Parquet columns as JSON values and writes JSON records as typed Parquet columns.</summary>
internal static class ParquetColumns
{
    private const int RowGroupSize = 100_000;

    public static async Task<JsonNode?[]> ReadAsync(ParquetRowGroupReader rows, DataField field, int count, CancellationToken cancellationToken)
    {
        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[count];
            await rows.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return Array.ConvertAll(values, v => v is null ? null : (JsonNode)JsonValue.Create(v));
        }

        if (type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>))
        {
            var values = new byte[]?[count];
            await rows.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return Array.ConvertAll(values, v => v is null ? null : (JsonNode)JsonValue.Create(Convert.ToBase64String(v)));
        }

        return type switch
        {
            _ when type == typeof(long) => await ReadAsync<long>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(int) => await ReadAsync<int>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(short) => await ReadAsync<short>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(byte) => await ReadAsync<byte>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(sbyte) => await ReadAsync<sbyte>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(ushort) => await ReadAsync<ushort>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(uint) => await ReadAsync<uint>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(ulong) => await ReadAsync<ulong>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(double) => await ReadAsync<double>(rows, field, count, v => double.IsFinite(v) ? JsonValue.Create(v) : null, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(float) => await ReadAsync<float>(rows, field, count, v => float.IsFinite(v) ? JsonValue.Create(v) : null, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(decimal) => await ReadAsync<decimal>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(bool) => await ReadAsync<bool>(rows, field, count, v => JsonValue.Create(v), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateTime) => await ReadAsync<DateTime>(rows, field, count,
                v => JsonValue.Create(DateTime.SpecifyKind(v, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateOnly) => await ReadAsync<DateOnly>(rows, field, count,
                v => JsonValue.Create(v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(Guid) => await ReadAsync<Guid>(rows, field, count,
                v => JsonValue.Create(v.ToString()), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateTimeOffset) => await ReadAsync<DateTimeOffset>(rows, field, count,
                v => JsonValue.Create(v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false),
            _ when type == typeof(TimeSpan) => await ReadAsync<TimeSpan>(rows, field, count,
                v => JsonValue.Create(v.ToString("c", CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false),
            _ => throw new Core.Activities.ActivityFailedException($"Parquet column '{field.Name}' has type {type.Name}, which is not supported"),
        };
    }

    private static async Task<JsonNode?[]> ReadAsync<T>(ParquetRowGroupReader rows, DataField field, int count, Func<T, JsonNode?> convert, CancellationToken cancellationToken)
        where T : struct
    {
        var result = new JsonNode?[count];
        if (field.IsNullable)
        {
            var values = new T?[count];
            await rows.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                result[i] = values[i] is { } value ? convert(value) : null;
            }
        }
        else
        {
            var values = new T[count];
            await rows.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                result[i] = convert(values[i]);
            }
        }

        return result;
    }

    /// <summary>Column names in first-seen order and the narrowest kind that holds every value of each.</summary>
    /// <param name="declared">Columns that come first and keep their kind, even when no record has them.</param>
    public static IReadOnlyList<(string Name, ColumnKind Kind)> Infer(IReadOnlyList<JsonObject> records, IReadOnlyList<(string Name, ColumnKind Kind)>? declared)
    {
        var order = new List<string>();
        var kinds = new Dictionary<string, ColumnKind?>(StringComparer.Ordinal);
        foreach (var (name, _) in declared ?? [])
        {
            order.Add(name);
            kinds[name] = null;
        }

        foreach (var record in records)
        {
            foreach (var (name, value) in record)
            {
                if (!kinds.TryGetValue(name, out var kind))
                {
                    order.Add(name);
                    kind = null;
                }

                kinds[name] = Widen(kind, value);
            }
        }

        var fixedKinds = (declared ?? []).ToDictionary(d => d.Name, d => d.Kind, StringComparer.Ordinal);
        return order.Select(n => (n, fixedKinds.TryGetValue(n, out var d) ? d : kinds[n] ?? ColumnKind.String)).ToArray();
    }

    private static ColumnKind? Widen(ColumnKind? current, JsonNode? value)
    {
        ColumnKind? kind = value?.GetValueKind() switch
        {
            null or JsonValueKind.Null => null,
            JsonValueKind.True or JsonValueKind.False => ColumnKind.Boolean,
            JsonValueKind.Number => AsInt64(value) is not null ? ColumnKind.Int64 : ColumnKind.Double,
            _ => ColumnKind.String,
        };
        return (current, kind) switch
        {
            (null, _) => kind,
            (_, null) => current,
            var (a, b) when a == b => a,
            (ColumnKind.Int64, ColumnKind.Double) or (ColumnKind.Double, ColumnKind.Int64) => ColumnKind.Double,
            _ => ColumnKind.String,
        };
    }

    public static async Task WriteAsync(Stream stream, IReadOnlyList<JsonObject> records, IReadOnlyList<(string Name, ColumnKind Kind)> columns, CancellationToken cancellationToken)
    {
        if (columns.Count == 0)
        {
            throw new Core.Activities.ActivityFailedException("a Parquet file needs at least one column: there are no records and no declared columns");
        }

        var fields = columns.Select(c => Field(c.Name, c.Kind)).ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var start = 0; start < Math.Max(records.Count, 1); start += RowGroupSize)
        {
            var slice = records.Skip(start).Take(RowGroupSize).ToArray();
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < columns.Count; c++)
            {
                await WriteColumnAsync(group, fields[c], columns[c].Name, columns[c].Kind, slice, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A JsonValue built from an int does not answer TryGetValue<long>; its JSON text always parses.
    private static long? AsInt64(JsonNode? node)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
           && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x) ? x : null;

    private static double? AsDouble(JsonNode? node)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
           && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : null;

    private static DataField Field(string name, ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 => new DataField(name, typeof(long), isNullable: true),
        ColumnKind.Double => new DataField(name, typeof(double), isNullable: true),
        ColumnKind.Boolean => new DataField(name, typeof(bool), isNullable: true),
        ColumnKind.Timestamp => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, isNullable: true),
        _ => new DataField(name, typeof(string), isNullable: true),
    };

    private static Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, string name, ColumnKind kind, JsonObject[] rows, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case ColumnKind.Int64:
                return group.WriteAsync<long>(field, Array.ConvertAll(rows, r => AsInt64(r[name])).AsMemory(), null, null, cancellationToken);
            case ColumnKind.Double:
                return group.WriteAsync<double>(field, Array.ConvertAll(rows, r => AsDouble(r[name])).AsMemory(), null, null, cancellationToken);
            case ColumnKind.Boolean:
                return group.WriteAsync<bool>(field, Array.ConvertAll(rows, r => r[name] is JsonValue v && v.TryGetValue<bool>(out var x) ? x : (bool?)null).AsMemory(), null, null, cancellationToken);
            case ColumnKind.Timestamp:
                return group.WriteAsync<DateTime>(field, Array.ConvertAll(rows, r => r[name] is JsonValue v && v.TryGetValue<string>(out var s)
                    && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.UtcDateTime : (DateTime?)null).AsMemory(), null, null, cancellationToken);
            default:
                return group.WriteAsync(field, Array.ConvertAll(rows, r => r[name] switch
                {
                    null => null,
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    var node => node.ToJsonString(),
                }), null);
        }
    }
}
