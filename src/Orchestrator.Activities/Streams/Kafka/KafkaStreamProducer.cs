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
internal sealed class KafkaStreamProducer : IStreamProducer
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
    private readonly Dictionary<int, DeliveryTally> _tallies = [];
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
        var conf = Native.rd_kafka_conf_new();
        var error = stackalloc byte[512];
        try
        {
            // As Confluent.Kafka passes them: its own dotnet.* settings are not librdkafka's.
            foreach (var (name, value) in config.Where(c => !c.Key.StartsWith("dotnet.", StringComparison.Ordinal)).Append(new("log.queue", "true")))
            {
                ArgumentNullException.ThrowIfNull(value, name);
                if (Native.rd_kafka_conf_set(conf, Utf8(name), Utf8(value), error, 512) != 0)
                {
                    throw new ArgumentException(Text(error));
                }
            }
        }
        catch
        {
            Native.rd_kafka_conf_destroy(conf);
            throw;
        }

        Native.rd_kafka_conf_set_events(conf, Native.EventDeliveryReport | Native.EventError | Native.EventLog);
        _client = Native.rd_kafka_new(Native.Producer, conf, error, 512);
        if (_client == 0)
        {
            Native.rd_kafka_conf_destroy(conf); // not taken over on failure
            throw new InvalidOperationException(Text(error));
        }

        _name = Marshal.PtrToStringUTF8(Native.rd_kafka_name(_client)) ?? "producer";
        _events = Native.rd_kafka_queue_get_main(_client);
        Native.rd_kafka_set_log_queue(_client, 0);
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
        var delivery = new DeliveryTally(_window);
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
                while ((refused = Send(handle, message, id)) == Native.QueueFull)
                {
                    // librdkafka's queue is full (other calls on this producer, or its byte limit): wait for it to drain a
                    // little, bounded, rather than for a fixed time.
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Run(() => Native.rd_kafka_flush(_client, (int)QueueFullWait.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
                }

                if (refused != 0)
                {
                    // Refused before it left (too large, unknown partition...): a failed delivery like any other.
                    delivery.Report(refused, Partition.Any.Value, Offset.Unset.Value);
                }
            }

            delivery.SendingEnded();
            if (delivery.Sent == 0)
            {
                return [];
            }

            // Flush sends what linger.ms still holds back, in short steps so that it stops when cancelled.
            await Task.Run(
                () =>
                {
                    while (Native.rd_kafka_flush(_client, 100) == Native.TimedOut)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                },
                cancellationToken).ConfigureAwait(false);
            await delivery.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _tallies.Remove(id);
            }
        }

        if (delivery.Failed > 0)
        {
            var (code, reason) = Describe(delivery.FirstError);
            throw new StreamException(
                $"{delivery.Failed} of {delivery.Sent} records were not delivered to topic '{topic}' on {_connection}: {reason} ({code})");
        }

        return delivery.Ranges(topic);
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
        Native.rd_kafka_queue_yield(_events);
        _reader.Join();
        foreach (var topic in _topics.Values)
        {
            Native.rd_kafka_topic_destroy(topic);
        }

        Native.rd_kafka_queue_destroy(_events);
        Native.rd_kafka_destroy(_client);
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

            handle = Native.rd_kafka_topic_new(_client, Utf8(topic), 0);
            if (handle == 0)
            {
                return (0, Native.rd_kafka_last_error());
            }

            _topics[topic] = handle;
            return (handle, 0);
        }
    }

    /// <summary>Hands one record to librdkafka, which copies it; returns 0 or librdkafka's error code.</summary>
    [SkipLocalsInit]
    private unsafe int Send(nint topic, OutgoingMessage message, int tally)
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
            // References to the first element, not fixed on the array: an empty key or value is then an empty one,
            // not a null one.
            fixed (byte* keyBytes = &MemoryMarshal.GetReference(key))
            fixed (byte* value = &MemoryMarshal.GetArrayDataReference(message.Value))
            {
                var arguments = stackalloc Native.Argument[8];
                var count = 0;
                arguments[count++] = new Native.Argument { Type = Native.ArgumentTopicHandle, Pointer = topic };
                arguments[count++] = new Native.Argument { Type = Native.ArgumentPartition, Int32 = Partition.Any.Value };
                arguments[count++] = new Native.Argument { Type = Native.ArgumentFlags, Int32 = Native.CopyPayload };
                arguments[count++] = new Native.Argument { Type = Native.ArgumentValue, Pointer = (nint)value, Size = (nuint)message.Value.Length };
                arguments[count++] = new Native.Argument
                {
                    Type = Native.ArgumentKey, Pointer = message.Key is null ? 0 : (nint)keyBytes, Size = (nuint)key.Length,
                };
                arguments[count++] = new Native.Argument { Type = Native.ArgumentOpaque, Pointer = tally };
                if (message.Timestamp is { } timestamp)
                {
                    arguments[count++] = new Native.Argument { Type = Native.ArgumentTimestamp, Int64 = timestamp.ToUnixTimeMilliseconds() };
                }

                if (headers != 0)
                {
                    arguments[count++] = new Native.Argument { Type = Native.ArgumentHeaders, Pointer = headers };
                }

                var error = Native.rd_kafka_produceva(_client, arguments, (nuint)count);
                if (error == 0)
                {
                    headers = 0; // librdkafka owns them now
                    return 0;
                }

                var code = Native.rd_kafka_error_code(error);
                Native.rd_kafka_error_destroy(error);
                return code;
            }
        }
        finally
        {
            if (headers != 0)
            {
                Native.rd_kafka_headers_destroy(headers);
            }

            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A record's headers as librdkafka's list, values in UTF-8 (as Confluent.Kafka's string serializer writes them).</summary>
    private static unsafe nint Headers(IReadOnlyDictionary<string, string> headers)
    {
        var list = Native.rd_kafka_headers_new((nuint)headers.Count);
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            fixed (byte* n = &MemoryMarshal.GetArrayDataReference(nameBytes))
            fixed (byte* v = &MemoryMarshal.GetArrayDataReference(valueBytes))
            {
                Native.rd_kafka_header_add(list, n, nameBytes.Length, v, valueBytes.Length);
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
        var messages = stackalloc Native.Message*[Batch];
        var tallyId = 0;
        DeliveryTally? tally = null;
        while (!_closing)
        {
            var item = Native.rd_kafka_queue_poll(_events, 100);
            if (item == 0)
            {
                continue;
            }

            try
            {
                switch (Native.rd_kafka_event_type(item))
                {
                    case Native.EventDeliveryReport:
                        _reported = true;
                        nuint read;
                        while ((read = Native.rd_kafka_event_message_array(item, messages, Batch)) > 0)
                        {
                            for (nuint i = 0; i < read; i++)
                            {
                                var message = messages[i];
                                if ((int)message->Opaque != tallyId || tally is null)
                                {
                                    tallyId = (int)message->Opaque;
                                    lock (_gate)
                                    {
                                        tally = _tallies.GetValueOrDefault(tallyId);
                                    }
                                }

                                // A call that was cancelled no longer waits for its reports.
                                tally?.Report(message->Error, message->Partition, message->Offset);
                            }

                            if (read < Batch)
                            {
                                break;
                            }
                        }

                        break;
                    case Native.EventError:
                        var error = Native.rd_kafka_event_error(item);
                        var reason = Marshal.PtrToStringUTF8(Native.rd_kafka_event_error_string(item)) ?? "";
                        Log(() => KafkaLog.Error(_logger, _connection, new Error((ErrorCode)error, reason, Native.rd_kafka_event_error_is_fatal(item) != 0)));
                        break;
                    case Native.EventLog:
                        byte* facility;
                        byte* text;
                        int level;
                        if (Native.rd_kafka_event_log(item, &facility, &text, &level) == 0)
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
                Native.rd_kafka_event_destroy(item);
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
            if (Native.rd_kafka_metadata(_client, 0, topic, &metadata, (int)left.TotalMilliseconds) == 0)
            {
                Native.rd_kafka_metadata_destroy(metadata);
            }
        }
    }

    /// <summary>The code and librdkafka's text of a failed delivery; a fatal one names the error that made it fatal.</summary>
    private unsafe (ErrorCode Code, string Reason) Describe(int code)
    {
        if (code == (int)ErrorCode.Local_Fatal)
        {
            var buffer = stackalloc byte[512];
            var fatal = Native.rd_kafka_fatal_error(_client, buffer, 512);
            if (fatal != 0)
            {
                return ((ErrorCode)fatal, Text(buffer));
            }
        }

        return ((ErrorCode)code, Marshal.PtrToStringUTF8(Native.rd_kafka_err2str(code)) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture));
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

    /// <summary>
    /// Counts the delivery reports of one batch and the offsets they landed at, per partition, and keeps at most a
    /// window of records in flight (the reports of one producer arrive on one thread; the window is lock-free so that
    /// thread and the sending one do not contend for every record).
    /// </summary>
    private sealed class DeliveryTally(int window)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, (long First, long Last)> _ranges = [];
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reported;
        private int _sent;
        private bool _sendingEnded;
        private int _inFlight;
        private TaskCompletionSource? _room;

        public Task Completed => _completed.Task;

        public int Failed { get; private set; }

        /// <summary>librdkafka's code of the first failed delivery.</summary>
        public int FirstError { get; private set; }

        public bool WindowIsFull => Volatile.Read(ref _inFlight) >= window;

        /// <summary>Records handed to librdkafka so far (read by the sending thread).</summary>
        public int Sent => _sent;

        public void Sending()
        {
            _sent++;
            Interlocked.Increment(ref _inFlight);
        }

        /// <summary>No record follows: the tally completes once every record sent is reported.</summary>
        public void SendingEnded()
        {
            lock (_gate)
            {
                _sendingEnded = true;
                if (_reported == _sent)
                {
                    _completed.TrySetResult();
                }
            }
        }

        /// <summary>Completes when half the window has been reported.</summary>
        public async Task RoomAsync(CancellationToken cancellationToken)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _room, room);
            // A report between the check and publishing the waiter would not have seen it: look again.
            if (Volatile.Read(ref _inFlight) <= window / 2)
            {
                Interlocked.CompareExchange(ref _room, null, room);
                return;
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Report(int error, int partition, long offset)
        {
            lock (_gate)
            {
                if (error != 0)
                {
                    if (Failed++ == 0)
                    {
                        FirstError = error;
                    }
                }
                else
                {
                    _ranges[partition] = _ranges.TryGetValue(partition, out var range)
                        ? (Math.Min(range.First, offset), Math.Max(range.Last, offset))
                        : (offset, offset);
                }

                if (++_reported == Volatile.Read(ref _sent) && _sendingEnded)
                {
                    _completed.TrySetResult();
                }
            }

            if (Interlocked.Decrement(ref _inFlight) <= window / 2 && Volatile.Read(ref _room) is { } room
                && Interlocked.CompareExchange(ref _room, null, room) == room)
            {
                room.TrySetResult();
            }
        }

        public IReadOnlyList<PartitionRange> Ranges(string topic)
        {
            lock (_gate)
            {
                return _ranges.OrderBy(r => r.Key).Select(r => new PartitionRange(topic, r.Key, r.Value.First, r.Value.Last)).ToArray();
            }
        }
    }

    /// <summary>The part of librdkafka's C API the producer uses (rdkafka.h); resolved to the library <see cref="KafkaNativeLibrary"/> loaded.</summary>
    private static unsafe class Native
    {
        public const int Producer = 0; // RD_KAFKA_PRODUCER
        public const int EventDeliveryReport = 0x1; // RD_KAFKA_EVENT_DR
        public const int EventLog = 0x4;
        public const int EventError = 0x8;
        public const int CopyPayload = 0x2; // RD_KAFKA_MSG_F_COPY
        public const int QueueFull = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL
        public const int TimedOut = -185; // RD_KAFKA_RESP_ERR__TIMED_OUT

        // rd_kafka_vtype_t
        public const int ArgumentTopicHandle = 2;
        public const int ArgumentPartition = 3;
        public const int ArgumentValue = 4;
        public const int ArgumentKey = 5;
        public const int ArgumentOpaque = 6;
        public const int ArgumentFlags = 7;
        public const int ArgumentTimestamp = 8;
        public const int ArgumentHeaders = 10;

        /// <summary>rd_kafka_vu_t: a type and a union padded to 64 bytes.</summary>
        [StructLayout(LayoutKind.Explicit, Size = 72)]
        public struct Argument
        {
            [FieldOffset(0)] public int Type;
            [FieldOffset(8)] public nint Pointer;
            [FieldOffset(8)] public int Int32;
            [FieldOffset(8)] public long Int64;
            [FieldOffset(16)] public nuint Size;
        }

        /// <summary>rd_kafka_message_t.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct Message
        {
            public int Error;
            public nint Topic;
            public int Partition;
            public nint Payload;
            public nuint Length;
            public nint Key;
            public nuint KeyLength;
            public long Offset;
            public nint Opaque;
        }

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_conf_new();

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_conf_destroy(nint conf);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_conf_set(nint conf, byte[] name, byte[] value, byte* error, nuint errorSize);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_conf_set_events(nint conf, int events);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_new(int type, nint conf, byte* error, nuint errorSize);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_destroy(nint client);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_name(nint client);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_topic_new(nint client, byte[] topic, nint conf);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_topic_destroy(nint topic);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_last_error();

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_produceva(nint client, Argument* arguments, nuint count);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_error_code(nint error);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_error_destroy(nint error);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_err2str(int code);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_fatal_error(nint client, byte* reason, nuint reasonSize);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_headers_new(nuint initialCount);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_headers_destroy(nint headers);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_header_add(nint headers, byte* name, nint nameSize, byte* value, nint valueSize);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_flush(nint client, int timeoutMs);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_metadata(nint client, int allTopics, nint topic, nint* metadata, int timeoutMs);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_metadata_destroy(nint metadata);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_queue_get_main(nint client);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_set_log_queue(nint client, nint queue);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_queue_destroy(nint queue);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_queue_yield(nint queue);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_queue_poll(nint queue, int timeoutMs);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_event_type(nint item);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nuint rd_kafka_event_message_array(nint item, Message** messages, nuint size);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_event_error(nint item);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern nint rd_kafka_event_error_string(nint item);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_event_error_is_fatal(nint item);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern int rd_kafka_event_log(nint item, byte** facility, byte** text, int* level);

        [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
        public static extern void rd_kafka_event_destroy(nint item);
    }
}
