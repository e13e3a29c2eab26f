using System.Buffers;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Kafka;

[Activity("kafka.consume", Category = "Kafka",
    Description = "Reads a bounded micro-batch of a consumer group — up to maxMessages, maxDuration or the end of the partitions — writes it to a jsonl or " +
                  "parquet file with topic/partition/offset/timestamp/key columns, and commits the offsets only once the file is on disk (at-least-once: " +
                  "a failed attempt re-reads the same records). Values that do not parse go to a dead-letter file or topic with their offset and the error.")]
public sealed partial class KafkaConsumeActivity(ConnectionCatalog connections, IEventStreamFactory streams) : Activity<KafkaConsumeActivity.Input, KafkaConsumeActivity.Output>
{
    /// <summary>The metadata columns every batch file has, before the value's fields.</summary>
    public static readonly IReadOnlyList<(string Name, ColumnKind Kind)> MetadataColumns =
        [("topic", ColumnKind.String), ("partition", ColumnKind.Int64), ("offset", ColumnKind.Int64), ("timestamp", ColumnKind.Timestamp), ("key", ColumnKind.String)];

    public sealed record Input
    {
        [Description("The event-stream connection: a kafka connection, or the local event log. Default events.")]
        [ConnectionInput(ConnectionTypes.Kafka, ConnectionTypes.Local)]
        public string? Connection { get; init; }

        [Description("One topic to read.")]
        public string? Topic { get; init; }

        [Description("Several topics to read (instead of topic).")]
        public IReadOnlyList<string>? Topics { get; init; }

        [Description("The consumer group whose committed offsets the batch starts from and moves.")]
        [MinLength(1)]
        public required string Group { get; init; }

        [Description("committed (default: the group's offsets, the earliest for partitions it never committed), earliest or latest.")]
        [RegularExpression("^(committed|earliest|latest)$")]
        public string? StartFrom { get; init; }

        [Description("Most records in the batch. Default 10000.")]
        [Range(1, 10_000_000)]
        public int? MaxMessages { get; init; }

        [Description("Longest time the batch waits for records (ISO 8601 duration). Default PT30S.")]
        public TimeSpan? MaxDuration { get; init; }

        [Description("End the batch once every partition has been read to its end. Default true.")]
        public bool? StopAtEnd { get; init; }

        [Description("The batch file, relative to the data directory (.jsonl or .parquet). Written even when the batch is empty.")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("The file's format when its extension does not tell: jsonl, json or parquet.")]
        public string? Format { get; init; }

        [Description("How values are read: json (default; records that do not parse are dead letters) or string.")]
        [RegularExpression("^(json|string)$")]
        public string? ValueFormat { get; init; }

        [Description("Parquet only: write the fields of JSON object values as their own columns (default true); else one value column.")]
        public bool? Flatten { get; init; }

        [Description("Where records that do not parse go, as jsonl. Default: the batch path with .dead-letter.jsonl.")]
        public string? DeadLetterPath { get; init; }

        [Description("Send records that do not parse to this topic (same connection) instead of a file, with error headers.")]
        public string? DeadLetterTopic { get; init; }
    }

    public sealed record Output
    {
        [Description("The batch file written.")]
        public required string Path { get; init; }

        [Description("Records in the batch file.")]
        public required long Count { get; init; }

        [Description("Records that did not parse and went to the dead letters.")]
        public required long DeadLetters { get; init; }

        [Description("The dead-letter file, when there were dead letters and no dead-letter topic.")]
        public string? DeadLetterPath { get; init; }

        [Description("Offsets read and committed, per partition.")]
        public required IReadOnlyList<PartitionSummary> Partitions { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var topics = (input.Topics ?? []).Concat(input.Topic is null ? [] : [input.Topic]).Distinct(StringComparer.Ordinal).ToArray();
        if (topics.Length == 0)
        {
            throw new ActivityInputException("give topic or topics");
        }

        var connection = connections.Get(input.Connection ?? "events", EventStreamFactory.Types);
        // Resolved (and kept inside the data directory) now; its folder is made when the batch is written.
        var path = context.Data.Resolve(input.Path);
        var format = RecordFormats.Resolve(path, input.Format);
        if (format is not (RecordFormat.Jsonl or RecordFormat.Json or RecordFormat.Parquet))
        {
            throw new ActivityInputException($"a batch is written as jsonl, json or parquet, not {format.ToString().ToLowerInvariant()}");
        }

        var asJson = (input.ValueFormat ?? "json") == "json";
        var token = context.CancellationToken;
        var stream = streams.Open(connection);
        using var consumer = stream.CreateConsumer(new ConsumerSettings
        {
            Group = input.Group,
            Topics = topics,
            Start = input.StartFrom switch { "earliest" => StartPosition.Earliest, "latest" => StartPosition.Latest, _ => StartPosition.Committed },
        });
        Reading(context.Logger, string.Join(", ", topics), input.Group, connection.ToString());
        var limits = new BatchLimits
        {
            MaxMessages = input.MaxMessages ?? 10_000,
            MaxWait = input.MaxDuration ?? TimeSpan.FromSeconds(30),
            StopAtEnd = input.StopAtEnd ?? true,
        };

        // Durable first, committed after: a crash in between re-reads the batch on the next attempt.
        int count;
        IReadOnlyList<PartitionRange> ranges = [];
        var dead = new List<(IncomingMessage Message, string Error)>();
        if (format == RecordFormat.Jsonl)
        {
            // Rows are written as the records arrive, none is kept: the file grows while the next records are fetched.
            var written = 0;
            await DurableFile.WriteAsync(path, async file =>
            {
                var batch = new JsonLinesBatch(file, asJson, dead);
                ranges = await consumer.ReadAsync(limits, batch.Add, token).ConfigureAwait(false);
                await batch.CompleteAsync(token).ConfigureAwait(false);
                written = batch.Count;
            }, token).ConfigureAwait(false);
            count = written;
        }
        else
        {
            var messages = await consumer.ReadAsync(limits, token).ConfigureAwait(false);
            var rows = new List<JsonObject>(messages.Count);
            var flatten = format == RecordFormat.Parquet && (input.Flatten ?? true);
            foreach (var message in messages)
            {
                if (!TryValue(message.Value, asJson, out var value, out var error))
                {
                    dead.Add((message, error));
                    continue;
                }

                rows.Add(Row(message, value, flatten));
            }

            await RecordWriter.WriteAsync(path, format, rows, MetadataColumns, token).ConfigureAwait(false);
            count = rows.Count;
            ranges = PartitionRange.Of(messages);
        }

        string? deadLetterPath = null;
        if (dead.Count > 0)
        {
            deadLetterPath = await WriteDeadLettersAsync(input, context, stream, path, dead, token).ConfigureAwait(false);
        }

        if (ranges.Count > 0)
        {
            await consumer.CommitAsync(ranges, token).ConfigureAwait(false);
        }

        var tally = new PartitionTally();
        tally.Add(ranges);
        Consumed(context.Logger, count, dead.Count, path);
        return new Output
        {
            Path = Path.GetRelativePath(context.Data.Root, path),
            Count = count,
            DeadLetters = dead.Count,
            DeadLetterPath = deadLetterPath is null ? null : Path.GetRelativePath(context.Data.Root, deadLetterPath),
            Partitions = tally.Summaries,
        };
    }

    private static readonly JsonWriterOptions Compact = new() { Indented = false, SkipValidation = true };
    private static readonly JsonEncodedText TopicName = JsonEncodedText.Encode("topic");
    private static readonly JsonEncodedText PartitionName = JsonEncodedText.Encode("partition");
    private static readonly JsonEncodedText OffsetName = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText HeadersName = JsonEncodedText.Encode("headers");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");

    /// <summary>
    /// A jsonl batch written from the message bytes through one writer and one buffer: a plain JSON value (see
    /// <see cref="LineFields.IsPlain"/>) is copied as it is, other values are parsed and written as before, so every
    /// line is the one <see cref="Row"/> and <see cref="RecordWriter"/> would write. Values that are not UTF-8 text (or
    /// not JSON) go to the dead letters.
    /// </summary>
    private sealed class JsonLinesBatch(Stream file, bool asJson, List<(IncomingMessage Message, string Error)> dead)
    {
        private const int FlushAt = 1 << 20;
        private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt + (1 << 16));
        private readonly RowStart _start = new();
        private Utf8JsonWriter? _writer;

        /// <summary>Rows written.</summary>
        public int Count { get; private set; }

        /// <summary>Writes one record's row (on the reading thread; the file is written when the buffer is full).</summary>
        public void Add(IncomingMessage message)
        {
            var value = message.Value;
            JsonNode? parsed = null;
            var plain = asJson ? LineFields.IsPlain(value) && LineFields.IsOnePlainValue(value) : Utf8.IsValid(value);
            if (!plain && !TryValue(value, asJson, out parsed, out var error))
            {
                dead.Add((message, error));
                return;
            }

            var writer = _writer ??= new Utf8JsonWriter(_buffer, Compact);
            _start.Write(writer, message);
            writer.WritePropertyName(ValueName);
            if (plain && asJson)
            {
                writer.WriteRawValue(value, skipInputValidation: true);
            }
            else if (plain)
            {
                writer.WriteStringValue(value);
            }
            else if (parsed is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                parsed.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            _buffer.Write("\n"u8);
            Count++;
            if (_buffer.WrittenCount >= FlushAt)
            {
                file.Write(_buffer.WrittenSpan);
                _buffer.ResetWrittenCount();
                // The disk writes while the next records are read, rather than all at once in the final fsync.
                DurableFile.StartWriteback(file);
            }
        }

        public async Task CompleteAsync(CancellationToken token)
        {
            await file.WriteAsync(_buffer.WrittenMemory, token).ConfigureAwait(false);
            _buffer.ResetWrittenCount();
            _writer?.Dispose();
        }
    }

    /// <summary>
    /// Writes a row's start, the <see cref="MetadataColumns"/> and the headers as <see cref="Row"/> has them; the topic and
    /// the timestamp are encoded once for the records that share them (a batch is mostly of one topic, and records
    /// sent together share their millisecond).
    /// </summary>
    private sealed class RowStart
    {
        private string? _topic;
        private JsonEncodedText _topicText;
        private DateTimeOffset? _timestamp;
        private JsonEncodedText _timestampText;

        public void Write(Utf8JsonWriter writer, IncomingMessage message)
        {
            if (!string.Equals(message.Topic, _topic, StringComparison.Ordinal))
            {
                _topic = message.Topic;
                _topicText = JsonEncodedText.Encode(message.Topic);
            }

            if (message.Timestamp != _timestamp)
            {
                _timestamp = message.Timestamp;
                Span<byte> text = stackalloc byte[32];
                message.Timestamp.UtcDateTime.TryFormat(text, out var length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                _timestampText = JsonEncodedText.Encode(text[..length]);
            }

            writer.WriteStartObject();
            writer.WriteString(TopicName, _topicText);
            writer.WriteNumber(PartitionName, message.Partition);
            writer.WriteNumber(OffsetName, message.Offset);
            writer.WriteString(TimestampName, _timestampText);
            if (message.Key is null)
            {
                writer.WriteNull(KeyName);
            }
            else
            {
                writer.WriteString(KeyName, message.Key);
            }

            if (message.Headers.Count > 0)
            {
                writer.WriteStartObject(HeadersName);
                foreach (var (name, text) in message.Headers)
                {
                    writer.WriteString(name, text);
                }

                writer.WriteEndObject();
            }
        }
    }

    private static bool TryValue(byte[] bytes, bool asJson, out JsonNode? value, out string error)
    {
        error = "";
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            value = null;
            error = $"value is not UTF-8 text: {e.Message}";
            return false;
        }

        if (!asJson)
        {
            value = JsonValue.Create(text);
            return true;
        }

        try
        {
            value = JsonNode.Parse(text);
            return true;
        }
        catch (JsonException e)
        {
            value = null;
            error = $"value is not JSON: {e.Message}";
            return false;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static JsonObject Row(IncomingMessage message, JsonNode? value, bool flatten)
    {
        var row = Metadata(message);
        if (message.Headers.Count > 0)
        {
            row["headers"] = new JsonObject(message.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value)));
        }

        // The value was parsed for this row alone: its nodes move into the row, no copy.
        if (flatten && value is JsonObject fields)
        {
            foreach (var (name, field) in fields.ToArray())
            {
                fields.Remove(name);

                // A value field named like a metadata column keeps both: the value's as value_<name>.
                row[row.ContainsKey(name) ? $"value_{name}" : name] = field;
            }
        }
        else
        {
            row["value"] = value;
        }

        return row;
    }

    /// <summary>The columns of <see cref="MetadataColumns"/> for one record.</summary>
    private static JsonObject Metadata(IncomingMessage message) => new()
    {
        ["topic"] = message.Topic,
        ["partition"] = message.Partition,
        ["offset"] = message.Offset,
        ["timestamp"] = message.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["key"] = message.Key,
    };

    private static async Task<string?> WriteDeadLettersAsync(
        Input input, ActivityContext context, IEventStream stream, string batchPath, List<(IncomingMessage Message, string Error)> dead, CancellationToken token)
    {
        if (input.DeadLetterTopic is { } topic)
        {
            using var producer = stream.CreateProducer(new ProducerSettings());
            var messages = dead.Select(d => new OutgoingMessage(d.Message.Key, d.Message.Value, new Dictionary<string, string>(d.Message.Headers)
            {
                ["x-error"] = d.Error,
                ["x-source"] = $"{d.Message.Topic}/{d.Message.Partition}@{d.Message.Offset}",
            })).ToArray();
            await producer.ProduceAsync(topic, messages, token).ConfigureAwait(false);
            DeadLettered(context.Logger, dead.Count, $"topic {topic}");
            return null;
        }

        var path = input.DeadLetterPath is { } configured
            ? context.Data.Resolve(configured)
            : Path.ChangeExtension(batchPath, null) + ".dead-letter.jsonl";
        var rows = dead.Select(d =>
        {
            var row = Metadata(d.Message);
            row["error"] = d.Error;
            row["valueBase64"] = Convert.ToBase64String(d.Message.Value);
            return row;
        }).ToArray();
        await RecordWriter.WriteAsync(path, RecordFormat.Jsonl, rows, null, token).ConfigureAwait(false);
        DeadLettered(context.Logger, dead.Count, path);
        return path;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Topics} as group {Group} over {Connection}")]
    private static partial void Reading(ILogger logger, string topics, string group, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} records written to {Path}, {DeadLetters} dead letters; offsets committed")]
    private static partial void Consumed(ILogger logger, int count, int deadLetters, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} records did not parse and went to {Destination}")]
    private static partial void DeadLettered(ILogger logger, int count, string destination);
}
