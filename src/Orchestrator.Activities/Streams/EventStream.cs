using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Streams;

/// <summary>One record to send: key, value bytes, headers, and an optional timestamp (default: the broker's).</summary>
public sealed record OutgoingMessage(string? Key, byte[] Value, IReadOnlyDictionary<string, string>? Headers = null, DateTimeOffset? Timestamp = null);

/// <summary>One record read from a topic partition.</summary>
public sealed record IncomingMessage(
    string Topic,
    int Partition,
    long Offset,
    DateTimeOffset Timestamp,
    string? Key,
    byte[] Value,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>A contiguous run of offsets of one partition, both ends included.</summary>
public sealed record PartitionRange(string Topic, int Partition, long FirstOffset, long LastOffset)
{
    public long Count => LastOffset - FirstOffset + 1;

    /// <summary>Groups messages into one range per partition, in partition order.</summary>
    public static IReadOnlyList<PartitionRange> Of(IEnumerable<IncomingMessage> messages)
        => messages
            .GroupBy(m => (m.Topic, m.Partition))
            .Select(g => new PartitionRange(g.Key.Topic, g.Key.Partition, g.Min(m => m.Offset), g.Max(m => m.Offset)))
            .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition)
            .ToArray();
}

/// <summary>Producer settings beyond the connection's own: the reliability defaults are on.</summary>
public sealed record ProducerSettings
{
    /// <summary><c>all</c> (default), <c>leader</c> or <c>none</c>.</summary>
    public string Acks { get; init; } = "all";

    public bool Idempotent { get; init; } = true;

    /// <summary><c>none</c>, <c>gzip</c>, <c>snappy</c>, <c>lz4</c> or <c>zstd</c>.</summary>
    public string Compression { get; init; } = "none";

    /// <summary>How long the client waits to fill a batch (librdkafka <c>linger.ms</c>).</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most records per broker request (librdkafka <c>batch.num.messages</c>).</summary>
    public int BatchSize { get; init; } = 10_000;
}

/// <summary>Where a consumer starts when it joins.</summary>
public enum StartPosition
{
    /// <summary>The group's committed offsets; the earliest offset of partitions the group never committed.</summary>
    Committed,

    /// <summary>The earliest offset still in the log, whatever the group committed.</summary>
    Earliest,

    /// <summary>Only records that arrive after the consumer joined.</summary>
    Latest,
}

/// <summary>A consumer of one group over some topics.</summary>
public sealed record ConsumerSettings
{
    public required string Group { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    public StartPosition Start { get; init; } = StartPosition.Committed;
}

/// <summary>When a bounded read stops: whichever comes first.</summary>
public sealed record BatchLimits
{
    public required int MaxMessages { get; init; }

    /// <summary>Longest time the read waits for records, measured on the injected clock.</summary>
    public required TimeSpan MaxWait { get; init; }

    /// <summary>Stop as soon as every assigned partition has been read to its end.</summary>
    public bool StopAtEnd { get; init; } = true;
}

/// <summary>An event stream a connection names: Kafka, or the embedded local log.</summary>
public interface IEventStream
{
    IStreamProducer CreateProducer(ProducerSettings settings);

    IStreamConsumer CreateConsumer(ConsumerSettings settings);
}

/// <summary>Sends records and reports where they landed.</summary>
public interface IStreamProducer : IDisposable
{
    /// <summary>
    /// Sends <paramref name="messages"/> to <paramref name="topic"/> and waits for every delivery report. Returns the
    /// offset ranges written, one per partition. A failed delivery throws <see cref="StreamException"/> with the
    /// broker's reason.
    /// </summary>
    Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the records of <paramref name="messages"/> as they come, without holding them all, and waits for every
    /// delivery report. Returns the offset ranges written (possibly several per partition). This default sends them
    /// in chunks of <paramref name="chunkSize"/> through the list overload, and sends a partial chunk whenever the
    /// source has to wait for its next record (a rate-limited source's records go out when they are due); a stream
    /// that can keep records in flight while the source produces the next ones does so instead.
    /// </summary>
    async Task<IReadOnlyList<PartitionRange>> ProduceAsync(
        string topic, IAsyncEnumerable<OutgoingMessage> messages, CancellationToken cancellationToken, int chunkSize = 10_000)
    {
        var ranges = new List<PartitionRange>();
        var pending = new List<OutgoingMessage>(chunkSize);
        var source = messages.GetAsyncEnumerator(cancellationToken);
        await using (source.ConfigureAwait(false))
        {
            while (true)
            {
                var next = source.MoveNextAsync();
                if (!next.IsCompleted && pending.Count > 0)
                {
                    ranges.AddRange(await ProduceAsync(topic, pending, cancellationToken).ConfigureAwait(false));
                    pending.Clear();
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                pending.Add(source.Current);
                if (pending.Count >= chunkSize)
                {
                    ranges.AddRange(await ProduceAsync(topic, pending, cancellationToken).ConfigureAwait(false));
                    pending.Clear();
                }
            }
        }

        ranges.AddRange(await ProduceAsync(topic, pending, cancellationToken).ConfigureAwait(false));
        return ranges;
    }
}

/// <summary>Reads bounded batches of one group; offsets are committed only when the caller says so.</summary>
public interface IStreamConsumer : IDisposable
{
    /// <summary>Reads the next records after the consumer's position, within <paramref name="limits"/>; the position moves past them.</summary>
    Task<IReadOnlyList<IncomingMessage>> ReadAsync(BatchLimits limits, CancellationToken cancellationToken);

    /// <summary>
    /// Reads like <see cref="ReadAsync(BatchLimits, CancellationToken)"/> but hands each record to
    /// <paramref name="received"/> as it is read, in order, instead of returning them all, and returns the offset ranges
    /// read, one per partition. A <paramref name="received"/> that throws ends the read with its exception. This default
    /// reads the batch first; a stream that can hands records over while it reads the next ones.
    /// </summary>
    async Task<IReadOnlyList<PartitionRange>> ReadAsync(BatchLimits limits, Action<IncomingMessage> received, CancellationToken cancellationToken)
    {
        var messages = await ReadAsync(limits, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
        {
            received(message);
        }

        return PartitionRange.Of(messages);
    }

    /// <summary>Commits, for the group, the offset after the end of each range (Kafka's "next offset to read").</summary>
    Task CommitAsync(IReadOnlyList<PartitionRange> consumed, CancellationToken cancellationToken);

    /// <summary>Moves the position of one partition, e.g. back to the committed offset.</summary>
    void Seek(string topic, int partition, long offset);

    /// <summary>The group's committed next offsets of the partitions this consumer reads (absent: never committed).</summary>
    Task<IReadOnlyDictionary<(string Topic, int Partition), long>> CommittedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the group has given this consumer any partition (Kafka's assignment is not empty, which it may be until
    /// the first read). False while other members of the group hold them all: reads return nothing until one moves here.
    /// </summary>
    bool OwnsPartitions { get; }
}

/// <summary>A stream operation failed; the message carries the broker's or the log's reason.</summary>
public sealed class StreamException(string message, Exception? inner = null) : Core.Activities.ActivityFailedException(message, inner);

/// <summary>Opens the event stream of a connection of type <c>kafka</c> or <c>local</c>.</summary>
public interface IEventStreamFactory
{
    IEventStream Open(Connection connection);
}

/// <summary>
/// Records handed over one at a time as bytes of the source's own buffers (<see cref="IRecordProducer"/>): no object
/// per record.
/// </summary>
internal interface IRecordSource
{
    /// <summary>
    /// The next record, or false at the end. <paramref name="key"/> is null-free when <paramref name="hasKey"/> (an empty
    /// key is a key); the spans stay valid until the next call.
    /// </summary>
    bool TryNext(out ReadOnlySpan<byte> key, out bool hasKey, out ReadOnlySpan<byte> value);
}

/// <summary>A producer that also takes records from an <see cref="IRecordSource"/>, copying each before it asks for the next.</summary>
internal interface IRecordProducer
{
    /// <summary>As <see cref="IStreamProducer.ProduceAsync(string, IAsyncEnumerable{OutgoingMessage}, CancellationToken, int)"/>, for records without headers or timestamps.</summary>
    Task<IReadOnlyList<PartitionRange>> ProduceAsync(string topic, IRecordSource records, CancellationToken cancellationToken);
}
