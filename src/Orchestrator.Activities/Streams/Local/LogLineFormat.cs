using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// One record as one line of JSON:
/// <c>{"offset":0,"timestamp":"…Z","key":"k","headers":{"h":"v"},"valueJson":{…}}</c>. The value keeps its exact bytes
/// in the most readable of three forms: <c>valueJson</c> embeds a one-line JSON document verbatim, <c>value</c> holds
/// other UTF-8 text as a JSON string, and <c>valueBase64</c> holds any other bytes.
/// </summary>
internal static class LogLineFormat
{
    // Non-ASCII text stays readable in the file; the log is never embedded in HTML.
    public static JsonWriterOptions JsonWriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // An embedded value may be as deep as System.Text.Json's default allows; the line adds its own level around it.
    private static readonly JsonReaderOptions EmbeddedValueOptions = new() { MaxDepth = 64 };
    private static readonly JsonReaderOptions LineOptions = new() { MaxDepth = EmbeddedValueOptions.MaxDepth + 1 };

    private static ReadOnlySpan<byte> OffsetPrefix => "{\"offset\":"u8;

    /// <summary>
    /// Writes the record without its offset, starting at the <c>{</c>; <see cref="WriteLine"/> adds the offset once
    /// the writer holds the log, so the encoding happens outside the lock.
    /// </summary>
    public static void WriteBody(Utf8JsonWriter writer, OutgoingMessage message, DateTimeOffset timestamp)
    {
        writer.WriteStartObject();
        writer.WriteString("timestamp"u8, timestamp.UtcDateTime);
        if (message.Key is null)
        {
            writer.WriteNull("key"u8);
        }
        else
        {
            writer.WriteString("key"u8, message.Key);
        }

        writer.WriteStartObject("headers"u8);
        if (message.Headers is not null)
        {
            foreach (var (name, text) in message.Headers)
            {
                // A null would be written, then refused by every reader of the log.
                writer.WriteString(name, text ?? throw new ArgumentException($"header '{name}' has no value", nameof(message)));
            }
        }

        writer.WriteEndObject();
        var value = message.Value ?? [];
        if (!Utf8.IsValid(value))
        {
            writer.WriteBase64String("valueBase64"u8, value);
        }
        else if (IsOneLineJson(value))
        {
            writer.WritePropertyName("valueJson"u8);
            writer.WriteRawValue(value, skipInputValidation: true);
        }
        else
        {
            writer.WriteString("value"u8, value);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes <c>{"offset":n,</c> + the rest of <paramref name="body"/> + a newline.</summary>
    public static void WriteLine(IBufferWriter<byte> output, long offset, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(OffsetPrefix.Length + 20 + body.Length + 1);
        OffsetPrefix.CopyTo(span);
        var length = OffsetPrefix.Length;
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(offset, span[length..], out var digits))
        {
            throw new InvalidOperationException("offset does not fit");
        }

        length += digits;
        var rest = body[1..];
        if (rest.Length > 1)
        {
            // The body is not empty ({"timestamp":…}), so a comma separates the offset from it.
            span[length++] = (byte)',';
        }

        rest.CopyTo(span[length..]);
        length += rest.Length;
        span[length++] = (byte)'\n';
        output.Advance(length);
    }

    /// <summary>Parses one line (without its newline) into a message of <paramref name="topic"/>.</summary>
    /// <exception cref="FormatException">The line is not a record.</exception>
    public static IncomingMessage Read(ReadOnlySpan<byte> line, string topic)
    {
        try
        {
            return ReadRecord(line, topic);
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static IncomingMessage ReadRecord(ReadOnlySpan<byte> line, string topic)
    {
        var reader = new Utf8JsonReader(line, LineOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("a record is a JSON object");
        }

        long? offset = null;
        DateTimeOffset? timestamp = null;
        string? key = null;
        Dictionary<string, string>? headers = null;
        byte[]? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                offset = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                timestamp = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("key"u8))
            {
                reader.Read();
                key = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                headers = ReadHeaders(ref reader);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = ReadUtf8(ref reader);
            }
            else if (reader.ValueTextEquals("valueJson"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                value = line[start..(int)reader.BytesConsumed].ToArray();
            }
            else if (reader.ValueTextEquals("valueBase64"u8))
            {
                reader.Read();
                value = reader.GetBytesFromBase64();
            }
            else
            {
                // Fields a later version may add.
                reader.Read();
                reader.Skip();
            }
        }

        if (offset is null || timestamp is null || value is null)
        {
            throw new FormatException("a record needs an offset, a timestamp and a value");
        }

        return new IncomingMessage(topic, TopicFiles.Partition, offset.Value, timestamp.Value, key,
            value, (IReadOnlyDictionary<string, string>?)headers ?? System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty);
    }

    private static Dictionary<string, string>? ReadHeaders(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("headers are a JSON object");
        }

        Dictionary<string, string>? headers = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = reader.GetString()
                ?? throw new FormatException($"header '{name}' is null");
        }

        return headers;
    }

    private static byte[] ReadUtf8(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new FormatException("value is a JSON string");
        }

        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }

        // Unescaped text is never longer than its escaped form.
        var buffer = new byte[reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return buffer[..written];
    }

    /// <summary>
    /// Reads the offset of a line from its start, which may be only the first bytes of the line
    /// (<paramref name="isComplete"/> false). False when those bytes end before the offset.
    /// </summary>
    public static bool TryReadOffset(ReadOnlySpan<byte> data, bool isComplete, out long offset)
    {
        offset = -1;
        try
        {
            var reader = new Utf8JsonReader(data, isComplete, new JsonReaderState(LineOptions));
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("a record is a JSON object");
            }

            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    throw new FormatException("a record needs an offset");
                }

                var isOffset = reader.ValueTextEquals("offset"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isOffset)
                {
                    offset = reader.GetInt64();
                    return true;
                }

                if (!reader.TrySkip())
                {
                    return false;
                }
            }

            return false;
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>
    /// A JSON document that can sit in the line verbatim: one value, no line breaks, no surrounding white space (which
    /// the embedding would not keep).
    /// </summary>
    private static bool IsOneLineJson(ReadOnlySpan<byte> value)
        => !value.IsEmpty && !IsWhiteSpace(value[0]) && !IsWhiteSpace(value[^1]) && value.IndexOfAny((byte)'\n', (byte)'\r') < 0
            && Orchestrator.Activities.Kafka.LineFields.IsOneValue(value);

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
