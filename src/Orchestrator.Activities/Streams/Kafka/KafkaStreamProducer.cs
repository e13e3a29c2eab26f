using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// Sends a batch with one <c>Produce</c> call per record and a delivery handler (awaiting each record would cost a
/// round trip per record), keeps at most librdkafka's queue size in flight, flushes, and waits for every report.
/// </summary>
internal sealed class KafkaStreamProducer : IStreamProducer
{
    private const int DefaultQueueSize = 100_000; // librdkafka's queue.buffering.max.messages
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProducerIdTimer = TimeSpan.FromMilliseconds(500);
    private readonly IProducer<string?, byte[]> _producer;
    private readonly string _connection;
    private readonly int _window;
    private readonly bool _idempotent;
    private Task? _producerIdRequest;
    private volatile bool _reported;

    public KafkaStreamProducer(ProducerConfig config, string connection, ILogger logger)
    {
        _connection = connection;
        _window = Math.Max(1, config.QueueBufferingMaxMessages ?? DefaultQueueSize);
        _idempotent = config.EnableIdempotence == true;
        _producer = new ProducerBuilder<string?, byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Native(logger, message))
            .SetErrorHandler((_, error) => KafkaLog.Error(logger, connection, error))
            .Build();
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
        cancellationToken.ThrowIfCancellationRequested();
        var delivery = new DeliveryTally(_window);
        void OnDelivered(DeliveryReport<string?, byte[]> report)
        {
            _reported = true;
            delivery.Report(report.Error, report.Partition.Value, report.Offset.Value);
        }

        // librdkafka copies a record when it is produced, so one message object serves them all.
        var record = new Message<string?, byte[]> { Value = [] };
        await foreach (var message in messages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (delivery.WindowIsFull)
            {
                await delivery.RoomAsync(cancellationToken).ConfigureAwait(false);
            }

            delivery.Sending();
            Fill(record, message);
            _producerIdRequest ??= _idempotent
                ? Task.Factory.StartNew(() => AskForProducerId(topic), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.CompletedTask;
            while (true)
            {
                try
                {
                    _producer.Produce(topic, record, OnDelivered);
                    break;
                }
                catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's queue is full (other calls on this producer, or its byte limit): wait for it to drain a
                    // little, bounded, rather than for a fixed time.
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Run(() => _producer.Flush(QueueFullWait), cancellationToken).ConfigureAwait(false);
                }
                catch (ProduceException<string?, byte[]> e)
                {
                    // Refused before it left (too large, unknown partition...): a failed delivery like any other.
                    delivery.Report(e.Error, Partition.Any.Value, Offset.Unset.Value);
                    break;
                }
            }
        }

        delivery.SendingEnded();
        if (delivery.Sent == 0)
        {
            return [];
        }

        // Flush sends what linger.ms still holds back; it polls in short steps and stops when cancelled.
        await Task.Run(() => _producer.Flush(cancellationToken), cancellationToken).ConfigureAwait(false);
        await delivery.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);
        return delivery.Failed > 0
            ? throw new StreamException(
                $"{delivery.Failed} of {delivery.Sent} records were not delivered to topic '{topic}' on {_connection}: " +
                $"{delivery.FirstError!.Reason} ({delivery.FirstError.Code})")
            : delivery.Ranges(topic);
    }

    public void Dispose()
    {
        // The request below uses the producer's handle: it ends (within its 500 ms) before the handle is destroyed.
        _producerIdRequest?.Wait();
        _producer.Dispose();
    }

    /// <summary>
    /// librdkafka (since 2.10) drops its bootstrap connections once it has learned the brokers. An idempotent producer
    /// that asks for its producer id in that moment finds no broker up, and asks again only after a 500 ms timer or
    /// with the next metadata response, so every record waits. This asks for the topic's metadata until the first
    /// report arrives, at most for those 500 ms: the answer, from a learned broker, makes it ask for its id at once.
    /// Best effort: a failure here changes nothing (the timer still runs).
    /// </summary>
    private void AskForProducerId(string topic)
    {
        // librdkafka's timer runs on the real clock, so this does too.
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var metadata = new DependentAdminClientBuilder(_producer.Handle).Build();
            for (var attempt = 0; attempt < 3 && !_reported; attempt++)
            {
                var left = ProducerIdTimer - Stopwatch.GetElapsedTime(started);
                if (left < TimeSpan.FromMilliseconds(1))
                {
                    break;
                }

                metadata.GetMetadata(topic, left);
            }
        }
        catch (KafkaException)
        {
        }
    }

    private static async IAsyncEnumerable<OutgoingMessage> Each(IReadOnlyList<OutgoingMessage> messages)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var message in messages)
        {
            yield return message;
        }
    }

    private static void Fill(Message<string?, byte[]> record, OutgoingMessage message)
    {
        record.Key = message.Key;
        record.Value = message.Value;
        record.Timestamp = message.Timestamp is { } timestamp ? new Timestamp(timestamp) : Timestamp.Default;
        record.Headers = null;
        if (message.Headers is { Count: > 0 } headers)
        {
            record.Headers = [];
            foreach (var (name, value) in headers)
            {
                record.Headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
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

        public Error? FirstError { get; private set; }

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

        public void Report(Error error, int partition, long offset)
        {
            lock (_gate)
            {
                if (error.IsError)
                {
                    Failed++;
                    FirstError ??= error;
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
}
