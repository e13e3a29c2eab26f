using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Streams.Kafka;

/// <summary>
/// Sends a batch with one <c>Produce</c> call per record and a delivery handler (awaiting each record would cost a
/// round trip per record), keeps at most librdkafka's queue size in flight, flushes, and waits for every report.
/// </summary>
internal sealed class KafkaStreamProducer : IStreamProducer
{
    private const int DefaultQueueSize = 100_000; // librdkafka's queue.buffering.max.messages
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(50);
    private readonly IProducer<string?, byte[]> _producer;
    private readonly string _connection;
    private readonly int _window;

    public KafkaStreamProducer(ProducerConfig config, string connection, ILogger logger)
    {
        _connection = connection;
        _window = Math.Max(1, config.QueueBufferingMaxMessages ?? DefaultQueueSize);
        _producer = new ProducerBuilder<string?, byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Native(logger, message))
            .SetErrorHandler((_, error) => KafkaLog.Error(logger, connection, error))
            .Build();
    }

    public async Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        cancellationToken.ThrowIfCancellationRequested();
        if (messages.Count == 0)
        {
            return [];
        }

        // Not disposed: a report arriving after a cancelled call still releases it.
        var inFlight = new SemaphoreSlim(Math.Min(_window, messages.Count));
        var delivery = new DeliveryTally(messages.Count);
        void OnDelivered(DeliveryReport<string?, byte[]> report)
        {
            delivery.Report(report.Error, report.Partition.Value, report.Offset.Value);
            inFlight.Release();
        }

        foreach (var message in messages)
        {
            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            var record = ToRecord(message);
            while (true)
            {
                try
                {
                    _producer.Produce(topic, record, OnDelivered);
                    break;
                }
                catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // Other batches filled librdkafka's queue: wait for it to drain a little, not for a fixed time.
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Run(() => _producer.Flush(QueueFullWait), cancellationToken).ConfigureAwait(false);
                }
                catch (ProduceException<string?, byte[]> e)
                {
                    // Refused before it left (too large, unknown partition...): a failed delivery like any other.
                    delivery.Report(e.Error, Partition.Any.Value, Offset.Unset.Value);
                    inFlight.Release();
                    break;
                }
            }
        }

        // Flush sends what linger.ms still holds back; it polls in short steps and stops when cancelled.
        await Task.Run(() => _producer.Flush(cancellationToken), cancellationToken).ConfigureAwait(false);
        await delivery.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);
        return delivery.Failed > 0
            ? throw new StreamException(
                $"{delivery.Failed} of {messages.Count} records were not delivered to topic '{topic}' on {_connection}: " +
                $"{delivery.FirstError!.Reason} ({delivery.FirstError.Code})")
            : delivery.Ranges(topic);
    }

    public void Dispose() => _producer.Dispose();

    private static Message<string?, byte[]> ToRecord(OutgoingMessage message)
    {
        var record = new Message<string?, byte[]>
        {
            Key = message.Key,
            Value = message.Value,
            Timestamp = message.Timestamp is { } timestamp ? new Timestamp(timestamp) : Timestamp.Default,
        };
        if (message.Headers is { Count: > 0 } headers)
        {
            record.Headers = [];
            foreach (var (name, value) in headers)
            {
                record.Headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
        }

        return record;
    }

    /// <summary>Counts the delivery reports of one batch and the offsets they landed at, per partition.</summary>
    private sealed class DeliveryTally(int expected)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, (long First, long Last)> _ranges = [];
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reported;

        public Task Completed => _completed.Task;

        public int Failed { get; private set; }

        public Error? FirstError { get; private set; }

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

                if (++_reported == expected)
                {
                    _completed.TrySetResult();
                }
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
