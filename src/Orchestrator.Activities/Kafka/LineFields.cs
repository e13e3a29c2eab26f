using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Activities.Kafka;

/// <summary>
/// The top-level fields that keys and headers read, taken from one JSON line as bytes, rendered as text the way
/// <see cref="RecordPattern.Render(System.Text.Json.Nodes.JsonNode?)"/> renders them from a parsed record.
/// </summary>
internal sealed class LineFields
{
    /// <summary>What System.Text.Json escapes when it writes (control characters, non-ASCII, HTML-sensitive ones) and escapes themselves.</summary>
    private static readonly SearchValues<byte> Rewritten = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'\\', (byte)'<', (byte)'>', (byte)'&', (byte)'\'', (byte)'+', (byte)'`',
         .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    private readonly string[] _names;
    private readonly byte[][] _utf8Names;
    private readonly string?[] _values;
    private readonly bool[] _seen;

    public LineFields(IEnumerable<string> names)
    {
        _names = names.Distinct(StringComparer.Ordinal).ToArray();
        _utf8Names = _names.Select(Encoding.UTF8.GetBytes).ToArray();
        _values = new string?[_names.Length];
        _seen = new bool[_names.Length];
    }

    /// <summary>The field's text; null when the record has no such field, it is JSON null, or the record is no object.</summary>
    public string? Get(string name)
    {
        var at = Array.IndexOf(_names, name);
        return at >= 0 ? _values[at] : null;
    }

    public void Clear()
    {
        Array.Clear(_values);
        Array.Clear(_seen);
    }

    /// <summary>
    /// True when <paramref name="json"/> is written exactly as System.Text.Json writes a value it parsed: ASCII with
    /// nothing it escapes, no escapes of its own, no whitespace between tokens. Such a line is sent as it is.
    /// </summary>
    public static bool IsPlain(ReadOnlySpan<byte> json)
    {
        if (json.IndexOfAny(Rewritten) >= 0)
        {
            return false;
        }

        if (!json.Contains((byte)' '))
        {
            return true;
        }

        // No backslash, so every quote opens or closes a string.
        var inString = false;
        foreach (var b in json)
        {
            if (b == (byte)'"')
            {
                inString = !inString;
            }
            else if (b == (byte)' ' && !inString)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="json"/> is exactly one JSON value.</summary>
    public static bool IsOneValue(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks that a plain line (<see cref="IsPlain"/>) is one JSON value and reads the fields; <paramref name="text"/>
    /// is the content of a top-level string (sent without its quotes), else empty. False when the line is not valid
    /// JSON or names a wanted field twice: the caller then parses it as a whole.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> line, out bool isString, out Range text)
    {
        Clear();
        isString = false;
        text = default;
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    isString = true;
                    text = new Range((int)reader.TokenStartIndex + 1, (int)reader.TokenStartIndex + 1 + reader.ValueSpan.Length);
                    break;
                case JsonTokenType.StartArray:
                    reader.Skip();
                    break;
                case JsonTokenType.StartObject:
                    if (!ReadFields(ref reader, line))
                    {
                        return false;
                    }

                    break;
            }

            // One value a line: anything after it is an error (Read throws).
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool ReadFields(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var at = IndexOf(reader.ValueSpan);
            reader.Read();
            if (at < 0)
            {
                reader.Skip();
                continue;
            }

            if (_seen[at])
            {
                return false;
            }

            _seen[at] = true;
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    _values[at] = Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
                    break;
                default:
                    // A string's text without quotes (a plain line has no escapes); a number, true or false as written.
                    _values[at] = Encoding.UTF8.GetString(reader.ValueSpan);
                    break;
            }
        }

        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _utf8Names.Length; i++)
        {
            if (name.SequenceEqual(_utf8Names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
