using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Kafka;

[Activity("kafka.produce", Category = "Kafka",
    Description = "Sends records to a topic — from a csv/json/jsonl/parquet/text file or inline — optionally at a given rate for a given duration, " +
                  "and waits for every delivery report (acks=all and an idempotent producer by default). Returns the count and the offsets per partition.")]
public sealed partial class KafkaProduceActivity(ConnectionCatalog connections, IEventStreamFactory streams) : Activity<KafkaProduceActivity.Input, KafkaProduceActivity.Output>
{
    public sealed record Input
    {
        [Description("The event-stream connection: a kafka connection, or the local event log. Default events.")]
        [ConnectionInput(ConnectionTypes.Kafka, ConnectionTypes.Local)]
        public string? Connection { get; init; }

        [Description("The topic to send to.")]
        [MinLength(1)]
        public required string Topic { get; init; }

        [Description("A file of records, relative to the data directory (csv, json, jsonl, parquet, or text: one message per line).")]
        public string? Path { get; init; }

        [Description("The file's format when its extension does not tell: csv, json, jsonl, parquet or text.")]
        public string? Format { get; init; }

        [Description("Inline records instead of a file: objects are sent as JSON, strings as text.")]
        public IReadOnlyList<JsonElement>? Records { get; init; }

        [Description("Synthetic records instead of a file: an endless stream (bound it with limit or duration), stamped with the time each is due.")]
        public GeneratedSource? Generate { get; init; }

        [Description("The message key: a field name (customer_id) or a pattern such as ${city}-${id}. Default: no key (round-robin partitions).")]
        public string? Key { get; init; }

        [Description("Message headers, name to a field name or ${field} pattern (a text without ${...} that is no field is sent as is).")]
        public IReadOnlyDictionary<string, string>? Headers { get; init; }

        [Description("Records per second; absent = as fast as the broker takes them. Seed 004's 'a line every 10 s' is 0.1.")]
        [Range(0.001, 1_000_000)]
        public double? Rate { get; init; }

        [Description("Stop after this long (ISO 8601 duration), even if records remain.")]
        public TimeSpan? Duration { get; init; }

        [Description("Start the source again when it ends, until duration or limit (a stream from a sample file).")]
        public bool? Loop { get; init; }

        [Description("Send at most this many records.")]
        [Range(1, long.MaxValue)]
        public long? Limit { get; init; }

        [Description("Broker acknowledgement: all (default), leader or none.")]
        [RegularExpression("^(all|leader|none)$")]
        public string? Acks { get; init; }

        [Description("Idempotent producer (no duplicates on retries). Default true; needs acks=all.")]
        public bool? Idempotent { get; init; }

        [Description("Compression: none (default), gzip, snappy, lz4 or zstd.")]
        [RegularExpression("^(none|gzip|snappy|lz4|zstd)$")]
        public string? Compression { get; init; }

        [Description("Most records per broker request. Default 10000.")]
        [Range(1, 1_000_000)]
        public int? BatchSize { get; init; }

        [Description("How long the client waits to fill a batch (ISO 8601 duration). Default PT0.005S.")]
        public TimeSpan? Linger { get; init; }
    }

    /// <summary>Synthetic records of a reference dataset.</summary>
    public sealed record GeneratedSource
    {
        [Description("transactions (seed 002), weather (seed 001) or population (seed 004).")]
        [MinLength(1)]
        public required string Dataset { get; init; }

        [Description("Randomizer seed: the same seed gives the same records. Default 1.")]
        public int? Seed { get; init; }
    }

    public sealed record Output
    {
        [Description("The topic written.")]
        public required string Topic { get; init; }

        [Description("Records delivered.")]
        public required long Count { get; init; }

        [Description("Bytes of message values delivered.")]
        public required long Bytes { get; init; }

        [Description("Offsets written, per partition.")]
        public required IReadOnlyList<PartitionSummary> Partitions { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        if (new object?[] { input.Path, input.Records, input.Generate }.Count(s => s is not null) != 1)
        {
            throw new ActivityInputException("give one source: path, records or generate");
        }

        if ((input.Loop == true || input.Generate is not null) && input.Duration is null && input.Limit is null)
        {
            throw new ActivityInputException($"{(input.Generate is null ? "loop" : "generate")} needs duration or limit, or it never ends");
        }

        var connection = connections.Get(input.Connection ?? "events", EventStreamFactory.Types);
        var settings = new ProducerSettings
        {
            Acks = input.Acks ?? "all",
            Idempotent = input.Idempotent ?? (input.Acks ?? "all") == "all",
            Compression = input.Compression ?? "none",
            BatchSize = input.BatchSize ?? 10_000,
            Linger = input.Linger ?? TimeSpan.FromMilliseconds(5),
        };
        var key = input.Key is null ? null : RecordPattern.Parse(input.Key);
        var headers = input.Headers?.Select(h => (h.Key, Pattern: RecordPattern.Parse(h.Value), Literal: h.Value)).ToArray() ?? [];
        var token = context.CancellationToken;
        var time = context.Time;
        var started = time.GetUtcNow();
        var deadline = input.Duration is { } duration ? started + duration : (DateTimeOffset?)null;
        var limit = input.Limit ?? long.MaxValue;
        var path = input.Path is null ? null : context.Data.Resolve(input.Path);
        var format = path is null ? RecordFormat.Jsonl : RecordFormats.Resolve(path, input.Format);

        using var producer = streams.Open(connection).CreateProducer(settings);
        Sending(context.Logger, input.Topic, connection.ToString());
        var sent = new SentTally();

        async IAsyncEnumerable<OutgoingMessage> Outgoing()
        {
            var queued = 0L;
            var stop = false;
            do
            {
                var passCount = 0L;
                var source = input.Generate is { } generate
                    ? Messages(Generated(generate, i => input.Rate is { } r ? started + TimeSpan.FromSeconds(i / r) : time.GetUtcNow()), key, headers)
                    : path is not null && format is RecordFormat.Jsonl or RecordFormat.Text && File.Exists(path) && Utf8LineReader.Open(path) is { } lines
                        ? Lines(lines, path, format, key, headers, token)
                        : Messages(Records(path, format, input.Records, token), key, headers);
                await foreach (var message in source.ConfigureAwait(false))
                {
                    if (queued >= limit || (deadline is { } end && time.GetUtcNow() >= end))
                    {
                        stop = true;
                        break;
                    }

                    if (input.Rate is { } rate)
                    {
                        // Record k is due k/rate after the start: what is due is already on its way during the wait.
                        var due = started + TimeSpan.FromSeconds(queued / rate);
                        if (deadline is { } last && due >= last)
                        {
                            stop = true;
                            break;
                        }

                        var wait = due - time.GetUtcNow();
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, time, token).ConfigureAwait(false);
                        }
                    }

                    queued++;
                    passCount++;
                    sent.Bytes += message.Value.Length;
                    yield return message;
                }

                stop |= passCount == 0;
            }
            while (input.Loop == true && !stop);

            sent.Count = queued;
        }

        // Records stream to the producer, which keeps them in flight while the next are read, and waits for every
        // delivery report at the end: the outputs count only delivered records.
        var tally = new PartitionTally();
        if (producer is IRecordProducer bytes && input.Rate is null && input.Loop != true && headers.Length == 0
            && path is not null && format is RecordFormat.Jsonl or RecordFormat.Text && File.Exists(path) && Utf8LineReader.Open(path) is { } lineReader)
        {
            // The same records as Lines below, handed over as bytes of the file's buffer: no object per record.
            using var source = new LineSource(lineReader, path, format == RecordFormat.Jsonl, key, limit, deadline, time, token);
            tally.Add(await bytes.ProduceAsync(input.Topic, source, token).ConfigureAwait(false));
            sent.Count = source.Count;
            sent.Bytes = source.Bytes;
        }
        else
        {
            tally.Add(await producer.ProduceAsync(input.Topic, Outgoing(), token).ConfigureAwait(false));
        }

        Delivered(context.Logger, sent.Count, input.Topic);
        return new Output { Topic = input.Topic, Count = sent.Count, Bytes = sent.Bytes, Partitions = tally.Summaries };
    }

    private sealed class SentTally
    {
        public long Count { get; set; }

        public long Bytes { get; set; }
    }

    private static async IAsyncEnumerable<OutgoingMessage> Messages(
        IAsyncEnumerable<JsonNode?> records, RecordPattern? key, (string Name, RecordPattern Pattern, string Literal)[] headers)
    {
        await foreach (var record in records.ConfigureAwait(false))
        {
            yield return ToMessage(record, key, headers);
        }
    }

    /// <summary>
    /// A jsonl or text file read as bytes: a plain JSON line (see <see cref="LineFields.IsPlain"/>) is its own value, and
    /// only the fields that keys and headers name are read from it; other lines are parsed as before. Either way the
    /// record is the one <see cref="RecordReader"/> and <see cref="ToMessage"/> make of the line.
    /// </summary>
    private static async IAsyncEnumerable<OutgoingMessage> Lines(
        Utf8LineReader lines, string path, RecordFormat format, RecordPattern? key, (string Name, RecordPattern Pattern, string Literal)[] headers,
        [EnumeratorCancellation] CancellationToken token)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        using var reader = lines;
        var fields = new LineFields((key?.Fields ?? []).Concat(headers.SelectMany(h => h.Pattern.Fields)));
        var json = format == RecordFormat.Jsonl;
        while (Next(reader, path, json, fields, key, headers) is { } message)
        {
            if (reader.LineNumber % 10_000 == 0)
            {
                token.ThrowIfCancellationRequested();
            }

            yield return message;
        }
    }

    /// <summary>The message of the next line that has one (blank jsonl lines have none); null at the end.</summary>
    private static OutgoingMessage? Next(
        Utf8LineReader reader, string path, bool json, LineFields fields, RecordPattern? key, (string Name, RecordPattern Pattern, string Literal)[] headers)
    {
        while (reader.TryRead(out var line))
        {
            if (LineMessage(line, reader.LineNumber, path, json, fields, key, headers) is { } message)
            {
                return message;
            }
        }

        return null;
    }

    /// <summary>The message of one line of a jsonl or text file; null for a blank jsonl line.</summary>
    private static OutgoingMessage? LineMessage(
        ReadOnlySpan<byte> line, long lineNumber, string path, bool json, LineFields fields, RecordPattern? key,
        (string Name, RecordPattern Pattern, string Literal)[] headers)
    {
        if (!json)
        {
            fields.Clear();
            var text = Utf8.IsValid(line) ? line.ToArray() : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(line));
            return Message(text, fields, key, headers);
        }

        if (LineFields.IsPlain(line)
            && (fields.TryReadPlain(line, out var isString, out var content) || fields.TryRead(line, out isString, out content)))
        {
            return Message(isString ? line[content].ToArray() : line.ToArray(), fields, key, headers);
        }

        // Not plain: the record as the file reader makes it (same decoding, same blank-line rule, same errors).
        var decoded = Encoding.UTF8.GetString(line);
        if (string.IsNullOrWhiteSpace(decoded))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(decoded);
        }
        catch (JsonException e)
        {
            throw new ActivityFailedException($"{path}:{lineNumber}: not a JSON value: {e.Message}", e);
        }

        return ToMessage(node, key, headers);
    }

    /// <summary>
    /// The records <see cref="Lines"/> makes of a jsonl or text file, in the same order with the same keys, values and
    /// errors, as spans: a plain JSON line's value is its bytes in the reader's buffer and a one-field key the field's
    /// bytes in it; other lines are made as <see cref="Next"/> makes them. Stops where the activity's loop stops
    /// (limit, duration), after reading the record it stops at, as that loop does.
    /// </summary>
    private sealed class LineSource(
        Utf8LineReader reader, string path, bool json, RecordPattern? key, long limit, DateTimeOffset? deadline, TimeProvider time, CancellationToken token)
        : IRecordSource, IDisposable
    {
        private readonly LineFields _fields = new(key?.Fields ?? [], keepText: key?.OneField is null);
        private readonly string? _oneField = key?.OneField;
        private byte[] _keyBuffer = new byte[256];

        public long Count { get; private set; }

        public long Bytes { get; private set; }

        public bool TryNext(out ReadOnlySpan<byte> keyBytes, out bool hasKey, out ReadOnlySpan<byte> value)
        {
            keyBytes = default;
            hasKey = false;
            value = default;
            while (reader.TryRead(out var line))
            {
                string? keyText = null;
                var keyTaken = false;
                if (!json)
                {
                    _fields.Clear();
                    value = Utf8.IsValid(line) ? line : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(line));
                    keyText = key?.Render(_fields);
                }
                else if (LineFields.IsPlain(line) && _fields.TryReadPlain(line, out var isString, out var content))
                {
                    value = isString ? line[content] : line;
                    if (_oneField is not null)
                    {
                        // The field's text as Render gives it, as bytes: absent or null is no key (an empty one for ${field}).
                        keyTaken = true;
                        hasKey = _fields.TryGetBytes(_oneField, line, out keyBytes) || key!.EmptyWhenMissing;
                    }
                    else
                    {
                        keyText = key?.Render(_fields);
                    }
                }
                else if (LineMessage(line, reader.LineNumber, path, json: true, _fields, key, []) is { } message)
                {
                    value = message.Value;
                    keyText = message.Key;
                }
                else
                {
                    continue; // a blank line
                }

                if (Count >= limit || (deadline is { } end && time.GetUtcNow() >= end))
                {
                    return false;
                }

                if (reader.LineNumber % 10_000 == 0)
                {
                    token.ThrowIfCancellationRequested();
                }

                if (!keyTaken && keyText is not null)
                {
                    var most = Encoding.UTF8.GetMaxByteCount(keyText.Length);
                    if (most > _keyBuffer.Length)
                    {
                        _keyBuffer = new byte[most];
                    }

                    keyBytes = _keyBuffer.AsSpan(0, Encoding.UTF8.GetBytes(keyText, _keyBuffer));
                    hasKey = true;
                }

                Count++;
                Bytes += value.Length;
                return true;
            }

            return false;
        }

        public void Dispose() => reader.Dispose();
    }

    private static OutgoingMessage Message(byte[] value, LineFields fields, RecordPattern? key, (string Name, RecordPattern Pattern, string Literal)[] headers)
    {
        Dictionary<string, string>? headerValues = null;
        if (headers.Length > 0)
        {
            headerValues = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, pattern, literal) in headers)
            {
                headerValues[name] = pattern.Render(fields) ?? literal;
            }
        }

        return new OutgoingMessage(key?.Render(fields), value, headerValues);
    }

    private static async IAsyncEnumerable<JsonNode?> Records(string? path, RecordFormat format, IReadOnlyList<JsonElement>? inline, [EnumeratorCancellation] CancellationToken token)
    {
        if (path is not null)
        {
            await foreach (var record in RecordReader.ReadAsync(path, format, token).ConfigureAwait(false))
            {
                yield return record;
            }

            yield break;
        }

        foreach (var element in inline!)
        {
            yield return JsonSerializer.SerializeToNode(element, Core.Json.OrchestratorJsonContext.Default.JsonElement);
        }
    }

    private static async IAsyncEnumerable<JsonNode?> Generated(GeneratedSource generate, Func<long, DateTimeOffset> timestamp)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var record in Generation.SyntheticRecords.Generate(generate.Dataset, generate.Seed ?? 1, timestamp))
        {
            yield return record;
        }
    }

    private static OutgoingMessage ToMessage(JsonNode? record, RecordPattern? key, (string Name, RecordPattern Pattern, string Literal)[] headers)
    {
        var value = record is JsonValue text && text.GetValueKind() == JsonValueKind.String
            ? Encoding.UTF8.GetBytes(text.GetValue<string>())
            : Encoding.UTF8.GetBytes(record?.ToJsonString() ?? "null");
        Dictionary<string, string>? headerValues = null;
        if (headers.Length > 0)
        {
            headerValues = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, pattern, literal) in headers)
            {
                headerValues[name] = pattern.Render(record) ?? literal;
            }
        }

        return new OutgoingMessage(key?.Render(record), value, headerValues);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending to topic {Topic} over {Connection}")]
    private static partial void Sending(ILogger logger, string topic, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} records delivered to {Topic}")]
    private static partial void Delivered(ILogger logger, long count, string topic);
}
