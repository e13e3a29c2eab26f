using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Orchestrator.Activities.Sql;

/// <summary>Values between JSON and the databases: parameters in, result columns out.</summary>
internal static class SqlValues
{
    /// <summary>Binds <paramref name="parameters"/> as <c>@name</c>.</summary>
    public static void Bind(DbCommand command, IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        foreach (var (name, value) in parameters ?? new Dictionary<string, JsonElement>())
        {
            var clr = FromElement(value);
            if (command is NpgsqlCommand)
            {
                // Text goes untyped so that the server reads it as the column's type (a date, a timestamp, a uuid...).
                command.Parameters.Add(clr is string text
                    ? new NpgsqlParameter(name, NpgsqlDbType.Unknown) { Value = text }
                    : value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                        ? new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = value.GetRawText() }
                        : new NpgsqlParameter(name, clr));
            }
            else
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = clr is bool b ? (b ? 1L : 0L) : clr;
                command.Parameters.Add(parameter);
            }
        }
    }

    private static object FromElement(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => DBNull.Value,
        _ => value.GetRawText(),
    };

    /// <summary>The current row of <paramref name="reader"/> as a JSON object, one property per column.</summary>
    public static JsonObject Row(DbDataReader reader, string[] names)
    {
        var row = new JsonObject();
        for (var i = 0; i < names.Length; i++)
        {
            row[names[i]] = reader.IsDBNull(i) ? null : ToJson(reader.GetValue(i));
        }

        return row;
    }

    public static JsonNode? ToJson(object? value) => value switch
    {
        null or DBNull => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create((long)i),
        short s => JsonValue.Create((long)s),
        byte b => JsonValue.Create((long)b),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        float f => double.IsFinite(f) ? JsonValue.Create((double)f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        decimal m => JsonValue.Create(m),
        DateTime t => JsonValue.Create(t.Kind == DateTimeKind.Utc ? t.ToString("O", CultureInfo.InvariantCulture) : t.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)),
        DateTimeOffset t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
        DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        TimeSpan t => JsonValue.Create(t.ToString("c", CultureInfo.InvariantCulture)),
        Guid g => JsonValue.Create(g.ToString()),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        Array array => new JsonArray(array.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>A JSON scalar as a CLR value (see <see cref="DataFiles.JsonScalar.ToClr"/>).</summary>
    public static object? Scalar(JsonNode? node) => DataFiles.JsonScalar.ToClr(node);
}
