using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Core.Json;

/// <summary>A 1-based line and column (in characters) inside a source text.</summary>
public readonly record struct TextPosition(int Line, int Column)
{
    public static readonly TextPosition Start = new(1, 1);

    public override string ToString() => $"{Line}:{Column}";
}

public enum LocatedKind
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>A property of a located object: its name, where the name is, and its value.</summary>
public sealed record LocatedProperty(string Name, TextPosition NamePosition, LocatedValue Value);

/// <summary>
/// A JSON value that remembers where it was written and its JSON path. System.Text.Json's DOM drops
/// positions, and every validation error must name line and column.
/// </summary>
public sealed class LocatedValue
{
    private static readonly IReadOnlyList<LocatedProperty> NoProperties = [];
    private static readonly IReadOnlyList<LocatedValue> NoItems = [];

    internal LocatedValue(LocatedKind kind, TextPosition position, string path)
    {
        Kind = kind;
        Position = position;
        Path = path;
    }

    public LocatedKind Kind { get; }
    public TextPosition Position { get; }
    public string Path { get; }
    public string? StringValue { get; internal init; }
    public string? RawNumber { get; internal init; }
    public bool BooleanValue { get; internal init; }
    public IReadOnlyList<LocatedProperty> Properties { get; internal init; } = NoProperties;
    public IReadOnlyList<LocatedValue> Items { get; internal init; } = NoItems;

    public LocatedProperty? Property(string name) => Properties.FirstOrDefault(p => p.Name == name);

    public LocatedValue? this[string name] => Property(name)?.Value;

    /// <summary>
    /// Written without fraction or exponent: <c>2.0</c> is a number here, because the loader
    /// (System.Text.Json) cannot read it into an <c>int</c> and the validator must not pass what cannot load.
    /// </summary>
    public bool IsInteger => Kind == LocatedKind.Number
        && RawNumber!.AsSpan().IndexOfAny('.', 'e', 'E') < 0
        && decimal.TryParse(RawNumber, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);

    public decimal? NumberValue => Kind == LocatedKind.Number
        && decimal.TryParse(RawNumber, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>The JSON type name as JSON Schema spells it (integer for whole numbers).</summary>
    public string JsonTypeName => Kind switch
    {
        LocatedKind.Object => "object",
        LocatedKind.Array => "array",
        LocatedKind.String => "string",
        LocatedKind.Number => IsInteger ? "integer" : "number",
        LocatedKind.Boolean => "boolean",
        _ => "null",
    };

    /// <summary>Every value in this subtree, depth first, this one included.</summary>
    public IEnumerable<LocatedValue> Descendants()
    {
        yield return this;
        foreach (var child in Properties.Select(p => p.Value).Concat(Items))
        {
            foreach (var d in child.Descendants())
            {
                yield return d;
            }
        }
    }

    public JsonElement ToJsonElement()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case LocatedKind.Object:
                writer.WriteStartObject();
                foreach (var p in Properties)
                {
                    writer.WritePropertyName(p.Name);
                    p.Value.WriteTo(writer);
                }

                writer.WriteEndObject();
                break;
            case LocatedKind.Array:
                writer.WriteStartArray();
                foreach (var item in Items)
                {
                    item.WriteTo(writer);
                }

                writer.WriteEndArray();
                break;
            case LocatedKind.String:
                writer.WriteStringValue(StringValue);
                break;
            case LocatedKind.Number:
                writer.WriteRawValue(RawNumber!);
                break;
            case LocatedKind.Boolean:
                writer.WriteBooleanValue(BooleanValue);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}

/// <summary>What made a document unreadable.</summary>
public enum JsonErrorKind
{
    /// <summary>Not JSON: a missing comma, a comment, an unterminated string.</summary>
    Syntax,

    /// <summary>Bytes that are not UTF-8 text.</summary>
    Encoding,

    /// <summary>A string whose escapes do not spell characters: a lone UTF-16 surrogate such as <c>\ud800</c>.</summary>
    InvalidString,
}

/// <summary>A JSON syntax error with its position.</summary>
public sealed record JsonSyntaxError(TextPosition Position, string Message, JsonErrorKind Kind = JsonErrorKind.Syntax);

/// <summary>A duplicated property name inside one object.</summary>
public sealed record DuplicateProperty(string Path, TextPosition Position, string Name);

/// <summary>The result of parsing: a located tree, or the syntax error that stopped the parse.</summary>
public sealed record LocatedDocument(LocatedValue? Root, JsonSyntaxError? SyntaxError, IReadOnlyList<DuplicateProperty> Duplicates);

/// <summary>Parses UTF-8 JSON into <see cref="LocatedValue"/> trees.</summary>
public static class LocatedJsonParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 128,
    };

    public static LocatedDocument Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    public static LocatedDocument Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        var lines = new LineMap(utf8);
        var duplicates = new List<DuplicateProperty>();
        if (utf8.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            // The reader throws on empty input at the end of the text; the file's start is the useful place.
            return new LocatedDocument(null, new JsonSyntaxError(TextPosition.Start, "The file is empty; expected a JSON object."), duplicates);
        }

        if (JsonText.FirstInvalidUtf8(utf8) is { } bad)
        {
            return new LocatedDocument(null, new JsonSyntaxError(lines.PositionOf(utf8, bad),
                $"byte 0x{utf8[bad]:X2} is not UTF-8 text; save the file as UTF-8", JsonErrorKind.Encoding), duplicates);
        }

        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, utf8, lines, "$", duplicates);
            if (reader.Read())
            {
                var position = lines.PositionOf(utf8, (int)reader.TokenStartIndex);
                return new LocatedDocument(null, new JsonSyntaxError(position, "Unexpected content after the end of the JSON value."), duplicates);
            }

            return new LocatedDocument(root, null, duplicates);
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0);
            var bytePos = (int)(e.BytePositionInLine ?? 0);
            var position = lines.PositionOfLineByte(utf8, line, bytePos);
            if (e.Message.Contains("trailing comma", StringComparison.Ordinal)
                && utf8[..lines.OffsetOfLineByte(utf8, line, bytePos)].LastIndexOf((byte)',') is >= 0 and var comma)
            {
                // The reader stops at the closing bracket, often on the next line; the comma is what to delete.
                position = lines.PositionOf(utf8, comma);
            }

            return new LocatedDocument(null, new JsonSyntaxError(position, CleanMessage(e.Message)), duplicates);
        }
        catch (InvalidStringException e)
        {
            return new LocatedDocument(null, new JsonSyntaxError(lines.PositionOf(utf8, e.Offset), e.Message, JsonErrorKind.InvalidString), duplicates);
        }
    }

    /// <summary>
    /// The string (or property name) under the reader. A <c>\u</c> escape of half a surrogate pair is valid JSON
    /// syntax but no character; System.Text.Json refuses it with an exception that carries no position.
    /// </summary>
    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = reader.ValueSpan;
            var at = JsonText.LoneSurrogate(raw) ?? 0;
            var escape = at + 6 <= raw.Length ? Encoding.ASCII.GetString(raw.Slice(at, 6)) : "an escape";
            throw new InvalidStringException((int)reader.TokenStartIndex + 1 + at,
                $"the string holds {escape}, half of a UTF-16 surrogate pair, which is not a character");
        }
    }

    private sealed class InvalidStringException(int offset, string message) : Exception(message)
    {
        public int Offset { get; } = offset;
    }

    private static string CleanMessage(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim().TrimEnd('.');
    }

    private static LocatedValue ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, LineMap lines, string path, List<DuplicateProperty> duplicates)
    {
        var position = lines.PositionOf(utf8, (int)reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var properties = new List<LocatedProperty>();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var name = ReadString(ref reader);
                        var namePosition = lines.PositionOf(utf8, (int)reader.TokenStartIndex);
                        reader.Read();
                        var value = ReadValue(ref reader, utf8, lines, JsonPath.Property(path, name), duplicates);
                        if (!seen.Add(name))
                        {
                            duplicates.Add(new DuplicateProperty(JsonPath.Property(path, name), namePosition, name));
                            continue;
                        }

                        properties.Add(new LocatedProperty(name, namePosition, value));
                    }

                    return new LocatedValue(LocatedKind.Object, position, path) { Properties = properties };
                }

            case JsonTokenType.StartArray:
                {
                    var items = new List<LocatedValue>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadValue(ref reader, utf8, lines, $"{path}[{items.Count}]", duplicates));
                    }

                    return new LocatedValue(LocatedKind.Array, position, path) { Items = items };
                }

            case JsonTokenType.String:
                return new LocatedValue(LocatedKind.String, position, path) { StringValue = ReadString(ref reader) };
            case JsonTokenType.Number:
                return new LocatedValue(LocatedKind.Number, position, path)
                {
                    RawNumber = Encoding.UTF8.GetString(reader.ValueSpan),
                };
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new LocatedValue(LocatedKind.Boolean, position, path) { BooleanValue = reader.GetBoolean() };
            default:
                return new LocatedValue(LocatedKind.Null, position, path);
        }
    }
}

/// <summary>JSON path spelling: <c>$.tasks[2].with.rows</c>, <c>$['odd key']</c>.</summary>
public static class JsonPath
{
    public static string Property(string parent, string name)
        => IsPlainName(name) ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private static bool IsPlainName(string name)
        => name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$');
}
