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
    private readonly Range[] _bytes; // what TryReadPlain took: the text of each field in the line (a string without quotes)
    private readonly bool _keepText;

    /// <param name="names">The fields wanted.</param>
    /// <param name="keepText">
    /// False when the caller reads what <see cref="TryReadPlain"/> takes as bytes (<see cref="TryGetBytes"/>) only: no
    /// string is then made of them.
    /// </param>
    public LineFields(IEnumerable<string> names, bool keepText = true)
    {
        _names = names.Distinct(StringComparer.Ordinal).ToArray();
        _utf8Names = _names.Select(Encoding.UTF8.GetBytes).ToArray();
        _values = new string?[_names.Length];
        _seen = new bool[_names.Length];
        _bytes = new Range[_names.Length];
        _keepText = keepText;
    }

    /// <summary>
    /// The bytes of a field's text in the line <see cref="TryReadPlain"/> read (what <see cref="Get"/> gives, as UTF-8);
    /// false when the line has no such field or it is JSON null.
    /// </summary>
    public bool TryGetBytes(string name, ReadOnlySpan<byte> line, out ReadOnlySpan<byte> bytes)
    {
        var at = Array.IndexOf(_names, name);
        if (at < 0 || _bytes[at].Equals(default(Range))) // a field's text never starts a line
        {
            bytes = default;
            return false;
        }

        bytes = line[_bytes[at]];
        return true;
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
        Array.Clear(_bytes);
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

    /// <summary>
    /// Whether a plain line (<see cref="IsPlain"/> holds: no white space outside strings, no backslash, no control or
    /// non-ASCII byte) is exactly one JSON value, as <see cref="IsOneValue"/> would answer, without a JSON reader. It
    /// answers false for nesting deeper than 32 (the reader allows 64): a false answer only sends the line the slow way.
    /// </summary>
    public static bool IsOnePlainValue(ReadOnlySpan<byte> json) => Scan(json, null);

    /// <summary>
    /// <see cref="TryRead"/> for a plain line (<see cref="IsPlain"/> holds) without a JSON reader: one scan checks the
    /// line as <see cref="IsOnePlainValue"/> does and takes the wanted fields of a top-level object on the way. False
    /// wherever that scan answers false or a wanted field comes twice; <see cref="TryRead"/> then decides.
    /// </summary>
    public bool TryReadPlain(ReadOnlySpan<byte> line, out bool isString, out Range text)
    {
        Clear();
        isString = false;
        text = default;
        if (!Scan(line, this))
        {
            return false;
        }

        if (line[0] == (byte)'"')
        {
            isString = true;
            text = new Range(1, line.Length - 1);
        }

        return true;
    }

    /// <summary>
    /// The scan behind <see cref="IsOnePlainValue"/> and <see cref="TryReadPlain"/>: with <paramref name="fields"/>, the
    /// values of the top-level object's members it wants are taken as <see cref="ReadFields"/> takes them.
    /// </summary>
    private static bool Scan(ReadOnlySpan<byte> json, LineFields? fields)
    {
        const int MaxDepth = 32;
        var i = 0;
        var depth = 0;
        var objects = 0u; // bit d: the container at depth d is an object
        var field = -1; // the wanted field whose value starts at valueStart (top-level members only)
        var valueStart = 0;
        while (true)
        {
            // A value starts at i.
            if (i >= json.Length)
            {
                return false;
            }

            var b = json[i];
            if (b is (byte)'{' or (byte)'[')
            {
                if (depth == MaxDepth)
                {
                    return false;
                }

                var isObject = b == (byte)'{';
                objects = isObject ? objects | (1u << depth) : objects & ~(1u << depth);
                depth++;
                i++;
                if (i < json.Length && json[i] == (isObject ? (byte)'}' : (byte)']'))
                {
                    i++;
                    depth--;
                    if (depth == 1 && field >= 0 && !fields!.Take(json, ref field, valueStart, i))
                    {
                        return false;
                    }
                }
                else
                {
                    if (isObject && !Member(json, ref i, depth == 1 ? fields : null, ref field, ref valueStart))
                    {
                        return false;
                    }

                    continue;
                }
            }
            else if (!Scalar(json, ref i))
            {
                return false;
            }
            else if (depth == 1 && field >= 0 && !fields!.Take(json, ref field, valueStart, i))
            {
                return false;
            }

            // After a value: the end, or a separator, or the end of containers.
            while (true)
            {
                if (depth == 0)
                {
                    return i == json.Length;
                }

                if (i >= json.Length)
                {
                    return false;
                }

                var inObject = (objects & (1u << (depth - 1))) != 0;
                if (json[i] == (byte)',')
                {
                    i++;
                    if (inObject && !Member(json, ref i, depth == 1 ? fields : null, ref field, ref valueStart))
                    {
                        return false;
                    }

                    break;
                }

                if (json[i] != (inObject ? (byte)'}' : (byte)']'))
                {
                    return false;
                }

                i++;
                depth--;
                if (depth == 1 && field >= 0 && !fields!.Take(json, ref field, valueStart, i))
                {
                    return false;
                }
            }
        }

        // A member's name and colon; with fields (a top-level member), which wanted field its value is, if any.
        static bool Member(ReadOnlySpan<byte> json, ref int i, LineFields? fields, ref int field, ref int valueStart)
        {
            var name = i + 1;
            if (i >= json.Length || json[i] != (byte)'"' || !Text(json, ref i) || i >= json.Length || json[i] != (byte)':')
            {
                return false;
            }

            if (fields is not null)
            {
                field = fields.IndexOf(json[name..(i - 1)]);
                valueStart = i + 1;
            }

            i++;
            return true;
        }

        static bool Text(ReadOnlySpan<byte> json, ref int i)
        {
            // No backslash in a plain line: the next quote closes the string.
            var length = json[(i + 1)..].IndexOf((byte)'"');
            if (length < 0)
            {
                return false;
            }

            i += length + 2;
            return true;
        }

        static bool Scalar(ReadOnlySpan<byte> json, ref int i)
        {
            var rest = json[i..];
            if (rest[0] == (byte)'"')
            {
                return Text(json, ref i);
            }

            if (rest.StartsWith("true"u8) || rest.StartsWith("null"u8))
            {
                i += 4;
                return true;
            }

            if (rest.StartsWith("false"u8))
            {
                i += 5;
                return true;
            }

            // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
            var at = 0;
            if (rest[at] == (byte)'-')
            {
                at++;
            }

            if (at >= rest.Length || !char.IsAsciiDigit((char)rest[at]))
            {
                return false;
            }

            at = rest[at] == (byte)'0' ? at + 1 : Digits(rest, at);
            if (at < rest.Length && rest[at] == (byte)'.')
            {
                if (at + 1 >= rest.Length || !char.IsAsciiDigit((char)rest[at + 1]))
                {
                    return false;
                }

                at = Digits(rest, at + 1);
            }

            if (at < rest.Length && rest[at] is (byte)'e' or (byte)'E')
            {
                at++;
                if (at < rest.Length && rest[at] is (byte)'+' or (byte)'-')
                {
                    at++;
                }

                if (at >= rest.Length || !char.IsAsciiDigit((char)rest[at]))
                {
                    return false;
                }

                at = Digits(rest, at);
            }

            i += at;
            return true;
        }

        static int Digits(ReadOnlySpan<byte> json, int at)
        {
            while (at < json.Length && char.IsAsciiDigit((char)json[at]))
            {
                at++;
            }

            return at;
        }
    }

    /// <summary>
    /// Keeps the value <c>json[start..end]</c> of a wanted top-level field as <see cref="ReadFields"/> renders it:
    /// false when the field came before.
    /// </summary>
    private bool Take(ReadOnlySpan<byte> json, ref int field, int start, int end)
    {
        var at = field;
        field = -1;
        if (_seen[at])
        {
            return false;
        }

        _seen[at] = true;
        var value = json[start..end];
        if (value.SequenceEqual("null"u8))
        {
            return true;
        }

        _bytes[at] = value[0] == (byte)'"' ? new Range(start + 1, end - 1) : new Range(start, end);
        if (_keepText)
        {
            _values[at] = Encoding.UTF8.GetString(json[_bytes[at]]);
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
