using System.Text;
using System.Text.Json;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Streams;

namespace Orchestrator.Server.Triggers;

/// <summary>
/// The file a trigger batch is handed to its run in: <c>triggers/&lt;workflow&gt;/&lt;run id&gt;.jsonl</c> in the data
/// directory, one JSON object per record (<c>topic</c>, <c>partition</c>, <c>offset</c>, <c>timestamp</c>, <c>key</c>,
/// <c>value</c>, and <c>headers</c> when there are any). A value that is JSON is written as JSON, other UTF-8 text
/// as a string, anything else as base64 with <c>"valueEncoding": "base64"</c>. Written durably before the run is
/// created; named by the run, so a batch read again after a crash never overwrites the file of another run.
/// </summary>
public static class TriggerBatchFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The path of a run's batch file, relative to the data directory.</summary>
    public static string PathOf(string workflowId, Guid runId) => $"triggers/{workflowId}/{runId}.jsonl";

    public static Task WriteAsync(string path, IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
        => DurableFile.WriteAsync(path, async stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            foreach (var message in messages)
            {
                Write(writer, message);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                writer.Reset();
                stream.WriteByte((byte)'\n');
            }
        }, cancellationToken);

    private static void Write(Utf8JsonWriter writer, IncomingMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("topic", message.Topic);
        writer.WriteNumber("partition", message.Partition);
        writer.WriteNumber("offset", message.Offset);
        writer.WriteString("timestamp", message.Timestamp.ToUniversalTime());
        if (message.Key is null)
        {
            writer.WriteNull("key");
        }
        else
        {
            writer.WriteString("key", message.Key);
        }

        writer.WritePropertyName("value");
        WriteValue(writer, message.Value);
        if (message.Headers.Count > 0)
        {
            writer.WriteStartObject("headers");
            foreach (var (name, value) in message.Headers)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, byte[] value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            document.RootElement.WriteTo(writer);
            return;
        }
        catch (JsonException)
        {
            // Not JSON: text or bytes.
        }

        try
        {
            writer.WriteStringValue(StrictUtf8.GetString(value));
        }
        catch (DecoderFallbackException)
        {
            writer.WriteBase64StringValue(value);
            writer.WriteString("valueEncoding", "base64");
        }
    }
}
