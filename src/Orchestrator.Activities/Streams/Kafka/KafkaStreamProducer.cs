using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// Sends records through librdkafka's C API, the library Confluent.Kafka loads, with the configuration Confluent.Kafka
/// would pass. Confluent.Kafka's <c>Produce</c> costs, per record, an unmanaged string for the topic, three GC handles
/// (key, value, delivery handler), a call back into .NET for its delivery report and the objects that carry it; with
/// 200-byte records that is about as much as librdkafka's own work. Here a record is one <c>rd_kafka_produceva</c> call
/// with its key and value pinned where they are (librdkafka copies them), and the delivery reports arrive as batches
/// on librdkafka's event queue, read by one thread per producer, each report a few fields read from librdkafka's
/// memory. At most librdkafka's queue size is kept in flight; at the end the producer flushes and waits for every
/// report.
/// </summary>
internal sealed class KafkaStreamProducer : IStreamProducer, IRecordProducer
{
    private const int DefaultQueueSize = 100_000; // librdkafka's queue.buffering.max.messages
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProducerIdTimer = TimeSpan.FromMilliseconds(500);
    private readonly nint _client;
    private readonly nint _events;
    private readonly string _connection;
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly int _window;
    private readonly bool _idempotent;
    private readonly Thread _reader;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, nint> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<int, KafkaDeliveryTally> _tallies = [];
    private int _lastTally;
    private Task? _producerIdRequest;
    private volatile bool _reported;
    private volatile bool _closing;
    private bool _disposed;

    public unsafe KafkaStreamProducer(ProducerConfig config, string connection, ILogger logger)
    {
        // rd_kafka_vu_t and rd_kafka_message_t are laid out below as a 64-bit process sees them.
        if (!Environment.Is64BitProcess)
        {
            throw new InvalidOperationException("the Kafka producer needs a 64-bit process");
        }

        // Every record's report is awaited: a producer that reports failures only would never finish.
        if (config.Any(c => c.Key == "delivery.report.only.error" && c.Value.Trim().ToLowerInvariant() is "true" or "t" or "1"))
        {
            throw new ArgumentException("delivery.report.only.error is not supported: every record's delivery report is awaited");
        }

        _connection = connection;
        _logger = logger;
        _window = Math.Max(1, config.QueueBufferingMaxMessages ?? DefaultQueueSize);
        _idempotent = config.EnableIdempotence == true;
        var conf = LibrdkafkaProducerApi.rd_kafka_conf_new();
        var error = stackalloc byte[512];
        try
        {
            // As Confluent.Kafka passes them: its own dotnet.* settings are not librdkafka's.
            foreach (var (name, value) in config.Where(c => !c.Key.StartsWith("dotnet.", StringComparison.Ordinal)).Append(new("log.queue", "true")))
            {
                ArgumentNullException.ThrowIfNull(value, name);
                if (LibrdkafkaProducerApi.rd_kafka_conf_set(conf, Utf8(name), Utf8(value), error, 512) != 0)
                {
                    throw new ArgumentException(Text(error));
                }
            }
        }
        catch
        {
            LibrdkafkaProducerApi.rd_kafka_conf_destroy(conf);
            throw;
        }

        LibrdkafkaProducerApi.rd_kafka_conf_set_events(conf, LibrdkafkaProducerApi.EventDeliveryReport | LibrdkafkaProducerApi.EventError | LibrdkafkaProducerApi.EventLog);
        _client = LibrdkafkaProducerApi.rd_kafka_new(LibrdkafkaProducerApi.Producer, conf, error, 512);
        if (_client == 0)
        {
            LibrdkafkaProducerApi.rd_kafka_conf_destroy(conf); // not taken over on failure
            throw new InvalidOperationException(Text(error));
        }

        _name = Marshal.PtrToStringUTF8(LibrdkafkaProducerApi.rd_kafka_name(_client)) ?? "producer";
        _events = LibrdkafkaProducerApi.rd_kafka_queue_get_main(_client);
        LibrdkafkaProducerApi.rd_kafka_set_log_queue(_client, 0);
        _reader = new Thread(ReadEvents) { IsBackground = true, Name = "Kafka delivery reports" };
        _reader.Start();
    }

    public Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
        => messages.Count == 0 && !cancellationToken.IsCancellationRequested && !string.IsNullOrWhiteSpace(topic)
            ? Task.FromResult<IReadOnlyList<PartitionRange>>([])
            : ProduceAsync(topic, Each(messages), cancellationToken);

    /// <summary>Hands each record to librdkafka as it comes (the source's next record is read while these are in flight).</summary>
    public async Task<IReadOnlyList<PartitionRange>> ProduceAsync(
        string topic, IAsyncEnumerable<OutgoingMessage> messages, CancellationToken cancellationToken, int chunkSize = 10_000)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var delivery = new KafkaDeliveryTally(_window);
        var (handle, topicError) = Topic(topic);
        int id;
        lock (_gate)
        {
            id = ++_lastTally;
            _tallies[id] = delivery;
        }

        try
        {
            await foreach (var message in messages.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (delivery.WindowIsFull)
                {
                    await delivery.RoomAsync(cancellationToken).ConfigureAwait(false);
                }

                delivery.Sending();
                if (handle == 0)
                {
                    delivery.Report(topicError, Partition.Any.Value, Offset.Unset.Value);
                    continue;
                }

                _producerIdRequest ??= _idempotent
                    ? Task.Factory.StartNew(() => AskForProducerId(handle), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    : Task.CompletedTask;
                int refused;
                while ((refused = Send(handle, message, id)) == LibrdkafkaProducerApi.QueueFull)
                {
                    // librdkafka's queue is full (other calls on this producer, or its byte limit): wait for it to drain a
                    // little, bounded, rather than for a fixed time.
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Run(() => LibrdkafkaProducerApi.rd_kafka_flush(_client, (int)QueueFullWait.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
                }

                if (refused != 0)
                {
                    // Refused before it left (too large, unknown partition...): a failed delivery like any other.
                    delivery.Report(refused, Partition.Any.Value, Offset.Unset.Value);
                }
            }

            delivery.SendingEnded();
            await CompleteAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _tallies.Remove(id);
            }
        }

        return Outcome(delivery, topic);
    }

    /// <summary>Hands each record of <paramref name="records"/> to librdkafka as it comes, with no object per record.</summary>
    public async Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IRecordSource records, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var delivery = new KafkaDeliveryTally(_window);
        var (handle, topicError) = Topic(topic);
        int id;
        lock (_gate)
        {
            id = ++_lastTally;
            _tallies[id] = delivery;
        }

        try
        {
            var refused = new RefusedRecord();
            while (true)
            {
                if (delivery.WindowIsFull)
                {
                    await delivery.RoomAsync(cancellationToken).ConfigureAwait(false);
                }

                var ended = SendSome(records, handle, topicError, delivery, id, refused, cancellationToken);
                if (ended)
                {
                    break;
                }

                if (refused.Waiting)
                {
                    // librdkafka's queue is full: as above, wait for it to drain a little and send the record again.
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Run(() => LibrdkafkaProducerApi.rd_kafka_flush(_client, (int)QueueFullWait.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
                }
            }

            await CompleteAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _tallies.Remove(id);
            }
        }

        return Outcome(delivery, topic);
    }

    /// <summary>
    /// Sends records of <paramref name="records"/> until they end (true), the window is full or librdkafka's queue is
    /// (false; the refused record is then kept in <paramref name="refused"/> and sent first on the next call).
    /// </summary>
    private bool SendSome(IRecordSource records, nint handle, int topicError, KafkaDeliveryTally delivery, int id, RefusedRecord refused, CancellationToken cancellationToken)
    {
        if (refused.Waiting)
        {
            var again = Send(handle, refused.Key, refused.HasKey, refused.Value, 0, null, id);
            if (again == LibrdkafkaProducerApi.QueueFull)
            {
                return false;
            }

            refused.Waiting = false;
            if (again != 0)
            {
                delivery.Report(again, Partition.Any.Value, Offset.Unset.Value);
            }
        }

        while (!delivery.WindowIsFull)
        {
            if (!records.TryNext(out var key, out var hasKey, out var value))
            {
                delivery.SendingEnded();
                return true;
            }

            if ((delivery.Sent & 0x3FF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            delivery.Sending();
            if (handle == 0)
            {
                delivery.Report(topicError, Partition.Any.Value, Offset.Unset.Value);
                continue;
            }

            _producerIdRequest ??= _idempotent
                ? Task.Factory.StartNew(() => AskForProducerId(handle), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.CompletedTask;
            var error = Send(handle, key, hasKey, value, 0, null, id);
            if (error == LibrdkafkaProducerApi.QueueFull)
            {
                refused.Keep(key, hasKey, value);
                return false;
            }

            if (error != 0)
            {
                delivery.Report(error, Partition.Any.Value, Offset.Unset.Value);
            }
        }

        return false;
    }

    /// <summary>The end of a call: flush, then wait for every report.</summary>
    private async Task CompleteAsync(KafkaDeliveryTally delivery, CancellationToken cancellationToken)
    {
        if (delivery.Sent == 0)
        {
            return;
        }

        // Flush sends what linger.ms still holds back, in short steps so that it stops when cancelled.
        await Task.Run(
            () =>
            {
                while (LibrdkafkaProducerApi.rd_kafka_flush(_client, 100) == LibrdkafkaProducerApi.TimedOut)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            },
            cancellationToken).ConfigureAwait(false);
        await delivery.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<PartitionRange> Outcome(KafkaDeliveryTally delivery, string topic)
    {
        if (delivery.Failed > 0)
        {
            var (code, reason) = Describe(delivery.FirstError);
            throw new StreamException(
                $"{delivery.Failed} of {delivery.Sent} records were not delivered to topic '{topic}' on {_connection}: {reason} ({code})");
        }

        return delivery.Sent == 0 ? [] : delivery.Ranges(topic);
    }

    /// <summary>A record librdkafka's full queue refused, copied to be sent again.</summary>
    private sealed class RefusedRecord
    {
        private byte[] _key = [];
        private byte[] _value = [];
        private int _keyLength;
        private int _valueLength;

        public bool Waiting { get; set; }

        public bool HasKey { get; private set; }

        public ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

        public ReadOnlySpan<byte> Value => _value.AsSpan(0, _valueLength);

        public void Keep(ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value)
        {
            Copy(key, ref _key, out _keyLength);
            Copy(value, ref _value, out _valueLength);
            HasKey = hasKey;
            Waiting = true;
        }

        private static void Copy(ReadOnlySpan<byte> from, ref byte[] to, out int length)
        {
            if (to.Length < from.Length)
            {
                to = new byte[from.Length];
            }

            from.CopyTo(to);
            length = from.Length;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // The request below uses the producer's handle: it ends (within its 500 ms) before the handle is destroyed.
        _producerIdRequest?.Wait();
        _closing = true;
        LibrdkafkaProducerApi.rd_kafka_queue_yield(_events);
        _reader.Join();
        foreach (var topic in _topics.Values)
        {
            LibrdkafkaProducerApi.rd_kafka_topic_destroy(topic);
        }

        LibrdkafkaProducerApi.rd_kafka_queue_destroy(_events);
        LibrdkafkaProducerApi.rd_kafka_destroy(_client);
    }

    /// <summary>librdkafka's handle of a topic, made once per producer; 0 and the error when librdkafka refuses the name.</summary>
    private (nint Handle, int Error) Topic(string topic)
    {
        lock (_gate)
        {
            if (_topics.TryGetValue(topic, out var handle))
            {
                return (handle, 0);
            }

            handle = LibrdkafkaProducerApi.rd_kafka_topic_new(_client, Utf8(topic), 0);
            if (handle == 0)
            {
                return (0, LibrdkafkaProducerApi.rd_kafka_last_error());
            }

            _topics[topic] = handle;
            return (handle, 0);
        }
    }

    /// <summary>Hands one record to librdkafka, which copies it; returns 0 or librdkafka's error code.</summary>
    [SkipLocalsInit]
    private int Send(nint topic, OutgoingMessage message, int tally)
    {
        Span<byte> buffer = stackalloc byte[256];
        byte[]? rented = null;
        scoped Span<byte> key = default;
        if (message.Key is { } text)
        {
            var most = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (most > buffer.Length)
            {
                buffer = rented = ArrayPool<byte>.Shared.Rent(most);
            }

            key = buffer[..Encoding.UTF8.GetBytes(text, buffer)];
        }

        var headers = message.Headers is { Count: > 0 } named ? Headers(named) : 0;
        try
        {
            var error = Send(topic, key, message.Key is not null, message.Value, headers, message.Timestamp?.ToUnixTimeMilliseconds(), tally);
            if (error == 0)
            {
                headers = 0; // librdkafka owns them now
            }

            return error;
        }
        finally
        {
            if (headers != 0)
            {
                LibrdkafkaProducerApi.rd_kafka_headers_destroy(headers);
            }

            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Hands one record to librdkafka, which copies it (and takes <paramref name="headers"/> when it succeeds); returns 0
    /// or librdkafka's error code. An empty key or value is an empty one, not a missing one.
    /// </summary>
    [SkipLocalsInit]
    private unsafe int Send(nint topic, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, nint headers, long? timestamp, int tally)
    {
        byte empty = 0;
        fixed (byte* keyBytes = key)
        fixed (byte* valueBytes = value)
        {
            var arguments = stackalloc LibrdkafkaProducerApi.Argument[8];
            var count = 0;
            arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentTopicHandle, Pointer = topic };
            arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentPartition, Int32 = Partition.Any.Value };
            arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentFlags, Int32 = LibrdkafkaProducerApi.CopyPayload };
            arguments[count++] = new LibrdkafkaProducerApi.Argument
            {
                Type = LibrdkafkaProducerApi.ArgumentValue, Pointer = (nint)(value.IsEmpty ? &empty : valueBytes), Size = (nuint)value.Length,
            };
            arguments[count++] = new LibrdkafkaProducerApi.Argument
            {
                Type = LibrdkafkaProducerApi.ArgumentKey, Pointer = !hasKey ? 0 : (nint)(key.IsEmpty ? &empty : keyBytes), Size = (nuint)key.Length,
            };
            arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentOpaque, Pointer = tally };
            if (timestamp is { } milliseconds)
            {
                arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentTimestamp, Int64 = milliseconds };
            }

            if (headers != 0)
            {
                arguments[count++] = new LibrdkafkaProducerApi.Argument { Type = LibrdkafkaProducerApi.ArgumentHeaders, Pointer = headers };
            }

            var error = LibrdkafkaProducerApi.rd_kafka_produceva(_client, arguments, (nuint)count);
            if (error == 0)
            {
                return 0;
            }

            var code = LibrdkafkaProducerApi.rd_kafka_error_code(error);
            LibrdkafkaProducerApi.rd_kafka_error_destroy(error);
            return code;
        }
    }

    /// <summary>A record's headers as librdkafka's list, values in UTF-8 (as Confluent.Kafka's string serializer writes them).</summary>
    private static unsafe nint Headers(IReadOnlyDictionary<string, string> headers)
    {
        var list = LibrdkafkaProducerApi.rd_kafka_headers_new((nuint)headers.Count);
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            fixed (byte* n = &MemoryMarshal.GetArrayDataReference(nameBytes))
            fixed (byte* v = &MemoryMarshal.GetArrayDataReference(valueBytes))
            {
                LibrdkafkaProducerApi.rd_kafka_header_add(list, n, nameBytes.Length, v, valueBytes.Length);
            }
        }

        return list;
    }

    /// <summary>
    /// Serves librdkafka's event queue until the producer is disposed: delivery reports to the tally of the call that
    /// sent the records, errors and log lines to the log.
    /// </summary>
    private unsafe void ReadEvents()
    {
        const int Batch = 1024;
        var messages = stackalloc LibrdkafkaProducerApi.Message*[Batch];
        var tallyId = 0;
        KafkaDeliveryTally? tally = null;
        while (!_closing)
        {
            var item = LibrdkafkaProducerApi.rd_kafka_queue_poll(_events, 100);
            if (item == 0)
            {
                continue;
            }

            try
            {
                switch (LibrdkafkaProducerApi.rd_kafka_event_type(item))
                {
                    case LibrdkafkaProducerApi.EventDeliveryReport:
                        _reported = true;
                        nuint read;
                        while ((read = LibrdkafkaProducerApi.rd_kafka_event_message_array(item, messages, Batch)) > 0)
                        {
                            // Runs of reports of one call (they come in the order they were sent) are counted together.
                            for (var start = 0; start < (int)read;)
                            {
                                var id = (int)messages[start]->Opaque;
                                var end = start + 1;
                                while (end < (int)read && (int)messages[end]->Opaque == id)
                                {
                                    end++;
                                }

                                if (id != tallyId || tally is null)
                                {
                                    tallyId = id;
                                    lock (_gate)
                                    {
                                        tally = _tallies.GetValueOrDefault(tallyId);
                                    }
                                }

                                // A call that was cancelled no longer waits for its reports.
                                tally?.Report(messages + start, end - start);
                                start = end;
                            }

                            if (read < (nuint)Batch)
                            {
                                break;
                            }
                        }

                        break;
                    case LibrdkafkaProducerApi.EventError:
                        var error = LibrdkafkaProducerApi.rd_kafka_event_error(item);
                        var reason = Marshal.PtrToStringUTF8(LibrdkafkaProducerApi.rd_kafka_event_error_string(item)) ?? "";
                        Log(() => KafkaLog.Error(_logger, _connection, new Error((ErrorCode)error, reason, LibrdkafkaProducerApi.rd_kafka_event_error_is_fatal(item) != 0)));
                        break;
                    case LibrdkafkaProducerApi.EventLog:
                        byte* facility;
                        byte* text;
                        int level;
                        if (LibrdkafkaProducerApi.rd_kafka_event_log(item, &facility, &text, &level) == 0)
                        {
                            var line = new LogMessage(
                                _name, (SyslogLevel)level, Marshal.PtrToStringUTF8((nint)facility) ?? "", Marshal.PtrToStringUTF8((nint)text) ?? "");
                            Log(() => KafkaLog.Native(_logger, line));
                        }

                        break;
                }
            }
            finally
            {
                LibrdkafkaProducerApi.rd_kafka_event_destroy(item);
            }
        }
    }

    /// <summary>A log provider that fails (one being disposed at shutdown) must not end the thread that reads the reports.</summary>
    private static void Log(Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException)
        {
        }
    }

    /// <summary>
    /// librdkafka (since 2.10) drops its bootstrap connections once it has learned the brokers. An idempotent producer
    /// that asks for its producer id in that moment finds no broker up, and asks again only after a 500 ms timer or
    /// with the next metadata response, so every record waits. This asks for the topic's metadata until the first
    /// report arrives, at most for those 500 ms: the answer, from a learned broker, makes it ask for its id at once.
    /// Best effort: a failure here changes nothing (the timer still runs).
    /// </summary>
    private unsafe void AskForProducerId(nint topic)
    {
        // librdkafka's timer runs on the real clock, so this does too.
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 0; attempt < 3 && !_reported; attempt++)
        {
            var left = ProducerIdTimer - Stopwatch.GetElapsedTime(started);
            if (left < TimeSpan.FromMilliseconds(1))
            {
                break;
            }

            // An answer that did not come (the bootstrap connection it went to was dropped) is asked again.
            nint metadata;
            if (LibrdkafkaProducerApi.rd_kafka_metadata(_client, 0, topic, &metadata, (int)left.TotalMilliseconds) == 0)
            {
                LibrdkafkaProducerApi.rd_kafka_metadata_destroy(metadata);
            }
        }
    }

    /// <summary>The code and librdkafka's text of a failed delivery; a fatal one names the error that made it fatal.</summary>
    private unsafe (ErrorCode Code, string Reason) Describe(int code)
    {
        if (code == (int)ErrorCode.Local_Fatal)
        {
            var buffer = stackalloc byte[512];
            var fatal = LibrdkafkaProducerApi.rd_kafka_fatal_error(_client, buffer, 512);
            if (fatal != 0)
            {
                return ((ErrorCode)fatal, Text(buffer));
            }
        }

        return ((ErrorCode)code, Marshal.PtrToStringUTF8(LibrdkafkaProducerApi.rd_kafka_err2str(code)) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static unsafe string Text(byte* buffer) => Marshal.PtrToStringUTF8((nint)buffer) ?? "";

    private static async IAsyncEnumerable<OutgoingMessage> Each(IReadOnlyList<OutgoingMessage> messages)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var message in messages)
        {
            yield return message;
        }
    }
}
