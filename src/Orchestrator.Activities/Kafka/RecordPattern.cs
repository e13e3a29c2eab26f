using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Kafka;

/// <summary>
/// A per-record value such as a message key: a field name (<c>customer_id</c>) or a pattern with <c>${field}</c>
/// placeholders (<c>${city}-${id}</c>). Not Liquid: task inputs are rendered once per attempt, these once per record.
/// </summary>
public sealed partial class RecordPattern
{
    private readonly string? _field;
    private readonly (string Text, string? Field)[] _parts;
    private readonly string? _only; // the field of a pattern that is one placeholder and nothing else (${customer})

    private RecordPattern(string? field, (string, string?)[] parts)
    {
        _field = field;
        _parts = parts;
        _only = parts is [("", null), ("", { } only), ("", null)] ? only : null;
    }

    public static RecordPattern Parse(string pattern)
    {
        if (!pattern.Contains("${", StringComparison.Ordinal))
        {
            return new RecordPattern(pattern, []);
        }

        var parts = new List<(string, string?)>();
        var last = 0;
        foreach (Match m in Placeholder().Matches(pattern))
        {
            parts.Add((pattern[last..m.Index], null));
            parts.Add(("", m.Groups[1].Value));
            last = m.Index + m.Length;
        }

        parts.Add((pattern[last..], null));
        return new RecordPattern(null, [.. parts]);
    }

    /// <summary>The value for one record; null when the field is absent or null.</summary>
    public string? Render(JsonNode? record)
    {
        if (_field is not null)
        {
            return Text(Field(record, _field));
        }

        if (_only is not null)
        {
            return Text(Field(record, _only)) ?? "";
        }

        var builder = new StringBuilder();
        foreach (var (text, field) in _parts)
        {
            builder.Append(field is null ? text : Text(Field(record, field)));
        }

        return builder.ToString();
    }

    /// <summary>The field of a pattern that renders one field's text and nothing else (<c>customer</c>, <c>${customer}</c>); null for other patterns.</summary>
    internal string? OneField => _field ?? _only;

    /// <summary>For <see cref="OneField"/>: a missing or null field renders as an empty text (<c>${customer}</c>), not as null (<c>customer</c>).</summary>
    internal bool EmptyWhenMissing => _only is not null;

    /// <summary>The fields the pattern reads.</summary>
    public IEnumerable<string> Fields => _field is not null ? [_field] : _parts.Where(p => p.Field is not null).Select(p => p.Field!);

    /// <summary>The value for one record whose fields were read as text by <paramref name="fields"/> (as <see cref="Render(JsonNode?)"/> renders them).</summary>
    internal string? Render(LineFields fields)
    {
        if (_field is not null)
        {
            return fields.Get(_field);
        }

        if (_only is not null)
        {
            return fields.Get(_only) ?? "";
        }

        var builder = new StringBuilder();
        foreach (var (text, field) in _parts)
        {
            builder.Append(field is null ? text : fields.Get(field));
        }

        return builder.ToString();
    }

    private static JsonNode? Field(JsonNode? record, string name) => record is JsonObject obj ? obj[name] : null;

    private static string? Text(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Placeholder();
}
