using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Sql;

/// <summary>
/// Writes a file's values into one column of a binary COPY, converted to the column's PostgreSQL type: read from the
/// record's JSON value as the CLR type the column takes (no boxed value per field) and written with the generic
/// <see cref="NpgsqlBinaryImporter.Write{T}(T)"/>.
/// </summary>
internal sealed class PostgresColumnWriter
{
    private readonly Action<NpgsqlBinaryImporter, JsonValue> _write;

    private PostgresColumnWriter(string name, string type, Action<NpgsqlBinaryImporter, JsonValue> write)
    {
        Name = name;
        Type = type;
        _write = write;
    }

    public string Name { get; }

    public string Type { get; }

    /// <summary>The writer for a column of <paramref name="type"/> (as <c>format_type</c> spells it).</summary>
    /// <remarks>
    /// Values go without an NpgsqlDbType where the CLR type's default mapping is the column's type: the typed
    /// overload costs a type lookup per value (a million-row load took 8-12 s with it, 6 s without).
    /// </remarks>
    public static PostgresColumnWriter For(string name, string type)
    {
        var baseType = type.Split('(')[0].Trim();
        Action<NpgsqlBinaryImporter, JsonValue> write = baseType switch
        {
            "bigint" => (i, v) => i.Write(ToLong(v)),
            "integer" => (i, v) => i.Write(checked((int)ToLong(v))),
            "smallint" => (i, v) => i.Write(checked((short)ToLong(v))),
            "double precision" => (i, v) => i.Write(ToDouble(v)),
            "real" => (i, v) => i.Write((float)ToDouble(v)),
            "numeric" => (i, v) => i.Write(ToDecimal(v)),
            "boolean" => (i, v) => i.Write(ToBoolean(v)),
            "text" or "character varying" or "character" => (i, v) => i.Write(ToText(v)),
            "timestamp with time zone" => (i, v) => i.Write(ToTimestamp(v).UtcDateTime),
            "timestamp without time zone" => (i, v) => i.Write(DateTime.SpecifyKind(ToTimestamp(v).DateTime, DateTimeKind.Unspecified), NpgsqlDbType.Timestamp),
            "date" => (i, v) => i.Write(DateOnly.FromDateTime(ToTimestamp(v).DateTime)),
            "jsonb" => (i, v) => i.Write(ToText(v), NpgsqlDbType.Jsonb),
            "json" => (i, v) => i.Write(ToText(v), NpgsqlDbType.Json),
            "uuid" => (i, v) => i.Write(Guid.Parse(ToText(v))),
            _ => throw new ActivityFailedException($"column \"{name}\" is of type {type}, which sql.load does not write; load into a text column and convert with sql.execute"),
        };
        return new PostgresColumnWriter(name, type, write);
    }

    /// <summary>Writes one value of a record; null writes NULL, an object or array its JSON text.</summary>
    public void Write(NpgsqlBinaryImporter importer, JsonNode? node, long record)
    {
        if (node is null)
        {
            importer.WriteNull();
            return;
        }

        var value = node as JsonValue ?? JsonValue.Create(node.ToJsonString());
        if (value.GetValueKind() == JsonValueKind.Null)
        {
            importer.WriteNull();
            return;
        }

        try
        {
            _write(importer, value);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new ActivityFailedException($"record {record}: column \"{Name}\" ({Type}) cannot hold {Shown(value)}", e);
        }
    }

    /// <summary>Writes one CSV cell, read as <see cref="DataFiles.RecordReader.CsvValue"/> reads it; empty writes NULL.</summary>
    public void Write(NpgsqlBinaryImporter importer, ReadOnlySpan<char> cell, long record)
        => Write(importer, DataFiles.RecordReader.CsvValue(cell), record);

    private static string Shown(JsonValue value)
        => value.TryGetValue<string>(out var s) ? $"'{(s.Length > 50 ? s[..50] + "..." : s)}'" : ToText(value);

    private static long ToLong(JsonValue v)
    {
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<string>(out var s))
        {
            return long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        if (v.TryGetValue<double>(out var d))
        {
            return d == Math.Floor(d) ? checked((long)d) : throw new InvalidCastException();
        }

        return v.TryGetValue<decimal>(out var m) && m == decimal.Floor(m) ? (long)m : throw new InvalidCastException();
    }

    private static double ToDouble(JsonValue v)
    {
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<string>(out var s))
        {
            return double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return v.TryGetValue<decimal>(out var m) ? (double)m : throw new InvalidCastException();
    }

    private static decimal ToDecimal(JsonValue v)
    {
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<string>(out var s))
        {
            return decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        // A number parsed from JSON text keeps its digits as decimal; one built as a double converts from it.
        if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<decimal>(out var m))
        {
            return m;
        }

        return v.TryGetValue<double>(out var d) ? (decimal)d : throw new InvalidCastException();
    }

    private static bool ToBoolean(JsonValue v)
    {
        if (v.TryGetValue<bool>(out var b))
        {
            return b;
        }

        if (v.TryGetValue<long>(out var l) && l is 0 or 1)
        {
            return l == 1;
        }

        return v.TryGetValue<string>(out var s) ? bool.Parse(s) : throw new InvalidCastException();
    }

    private static DateTimeOffset ToTimestamp(JsonValue v)
        => v.TryGetValue<string>(out var s) ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : throw new InvalidCastException();

    private static string ToText(JsonValue v)
    {
        if (v.TryGetValue<string>(out var s))
        {
            return s;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        if (v.TryGetValue<double>(out var d))
        {
            return d.ToString("R", CultureInfo.InvariantCulture);
        }

        if (v.TryGetValue<bool>(out var b))
        {
            return b ? "true" : "false";
        }

        return v.TryGetValue<decimal>(out var m) ? m.ToString(CultureInfo.InvariantCulture) : v.ToJsonString();
    }
}
