using System.Collections.ObjectModel;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// A group member that reads bounded batches. Consume blocks, so each read runs on a thread of its own with short
/// Consume timeouts, checking the deadline (on the injected clock) and the token between them. End of partition is
/// tracked from librdkafka's EOF events: a read that stops at the end returns once every assigned partition reported
/// its end, and never before the group assigned this consumer something.
/// </summary>
internal sealed class KafkaStreamConsumer : IStreamConsumer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly IConsumer<string?, byte[]> _consumer;
    private readonly ConsumerSettings _settings;
    private readonly string _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly Dictionary<TopicPartition, long> _endsReported = []; // partition -> offset of its last EOF
    private readonly HashSet<TopicPartition> _started = [];
    private readonly CancellationTokenSource _closing = new();
    private Task? _reading;
    private volatile bool _disposed;
    private int? _topicPartitions;

    public KafkaStreamConsumer(ConsumerConfig config, ConsumerSettings settings, string connection, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _connection = connection;
        _time = time;
        _logger = logger;
        _consumer = new ConsumerBuilder<string?, byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Native(logger, message))
            .SetErrorHandler((_, error) => KafkaLog.Error(logger, connection, error))
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition)))
            .Build();
        try
        {
            _consumer.Subscribe(settings.Topics);
        }
        catch
        {
            _consumer.Dispose();
            throw;
        }
    }

    public bool OwnsPartitions
    {
        get
        {
            lock (_gate)
            {
                return _assigned.Count > 0;
            }
        }
    }

    public async Task<IReadOnlyList<IncomingMessage>> ReadAsync(BatchLimits limits, CancellationToken cancellationToken)
    {
        var messages = new List<IncomingMessage>(Math.Min(limits.MaxMessages, 10_000));
        await ReadAsync(limits, messages.Add, cancellationToken).ConfigureAwait(false);
        return messages;
    }

    /// <summary>Reads on a thread of its own, handing each record to <paramref name="received"/> there, and keeps none.</summary>
    public async Task<IReadOnlyList<PartitionRange>> ReadAsync(BatchLimits limits, Action<IncomingMessage> received, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxMessages);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxWait, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp(); // before the caller gets the task back, so MaxWait counts from the call
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        Task<IReadOnlyList<PartitionRange>> read;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // again: Dispose may have begun meanwhile
            if (_reading is { IsCompleted: false })
            {
                throw new InvalidOperationException("this consumer is already reading: one read at a time");
            }

            read = Task.Factory.StartNew(() => Read(limits, started, received, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _reading = read;
        }

        return await read.ConfigureAwait(false);
    }

    public Task CommitAsync(IReadOnlyList<PartitionRange> consumed, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var offsets = consumed
            .GroupBy(r => (r.Topic, r.Partition))
            .Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.LastOffset) + 1))
            .ToList();
        if (offsets.Count == 0)
        {
            return Task.CompletedTask;
        }

        return Task.Run(() =>
        {
            try
            {
                _consumer.Commit(offsets);
            }
            catch (TopicPartitionOffsetException e)
            {
                var failed = e.Results.Where(r => r.Error.IsError).ToArray();
                throw new StreamException(
                    $"commit of group '{_settings.Group}' on {_connection} failed for {string.Join(", ", failed.Select(r => $"{r.TopicPartition}: {r.Error.Reason} ({r.Error.Code})"))}", e);
            }
            catch (KafkaException e)
            {
                throw new StreamException($"commit of group '{_settings.Group}' on {_connection} failed: {e.Error.Reason} ({e.Error.Code})", e);
            }
        }, cancellationToken);
    }

    public void Seek(string topic, int partition, long offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var topicPartition = new TopicPartition(topic, partition);
        try
        {
            _consumer.Seek(new TopicPartitionOffset(topicPartition, offset));
        }
        catch (KafkaException e)
        {
            throw new StreamException($"cannot seek {topicPartition} to {offset} (is it assigned to this consumer?): {e.Error.Reason} ({e.Error.Code})", e);
        }

        lock (_gate)
        {
            _endsReported.Remove(topicPartition);
        }
    }

    public Task<IReadOnlyDictionary<(string Topic, int Partition), long>> CommittedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<TopicPartition> partitions;
        lock (_gate)
        {
            partitions = [.. _assigned];
        }

        if (partitions.Count == 0)
        {
            return Task.FromResult<IReadOnlyDictionary<(string, int), long>>(new Dictionary<(string, int), long>());
        }

        return Task.Run<IReadOnlyDictionary<(string, int), long>>(() =>
        {
            try
            {
                return _consumer.Committed(partitions, RequestTimeout)
                    .Where(o => o.Offset.Value >= 0)
                    .ToDictionary(o => (o.Topic, o.Partition.Value), o => o.Offset.Value);
            }
            catch (KafkaException e)
            {
                throw new StreamException($"cannot read the committed offsets of group '{_settings.Group}' on {_connection}: {e.Error.Reason} ({e.Error.Code})", e);
            }
        }, cancellationToken);
    }

    /// <summary>Stops a running read, leaves the group (so its partitions move to other members at once) and closes.</summary>
    public void Dispose()
    {
        Task? reading;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            reading = _reading;
        }

        _closing.Cancel();

        try
        {
            reading?.Wait(RequestTimeout);
        }
        catch (AggregateException)
        {
            // The read reported its own failure (or cancellation) to its caller.
        }

        try
        {
            _consumer.Close();
        }
        catch (KafkaException e)
        {
            KafkaLog.CloseFailed(_logger, _settings.Group, $"{e.Error.Reason} ({e.Error.Code})");
        }

        _consumer.Dispose();
        _closing.Dispose();
    }

    private IReadOnlyList<PartitionRange> Read(BatchLimits limits, long started, Action<IncomingMessage> received, CancellationToken cancellationToken)
    {
        var ranges = new Dictionary<TopicPartition, (long First, long Last)>();
        var count = 0;
        try
        {
            if (limits.StopAtEnd)
            {
                _topicPartitions ??= CountTopicPartitions();
                ForgetPassedEnds();
            }

            while (count < limits.MaxMessages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var remaining = limits.MaxWait - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || (limits.StopAtEnd && AllAtEnd()))
                {
                    break;
                }

                var result = _consumer.Consume(remaining < PollInterval ? remaining : PollInterval);
                if (result is null)
                {
                    continue;
                }

                lock (_gate)
                {
                    if (result.IsPartitionEOF)
                    {
                        if (_assigned.Contains(result.TopicPartition))
                        {
                            _endsReported[result.TopicPartition] = result.Offset.Value;
                        }

                        continue;
                    }

                    _endsReported.Remove(result.TopicPartition);
                }

                var offset = result.Offset.Value;
                ranges[result.TopicPartition] = ranges.TryGetValue(result.TopicPartition, out var range)
                    ? (Math.Min(range.First, offset), Math.Max(range.Last, offset))
                    : (offset, offset);
                count++;
                received(ToMessage(result));
            }

            return ranges
                .Select(r => new PartitionRange(r.Key.Topic, r.Key.Partition.Value, r.Value.First, r.Value.Last))
                .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition)
                .ToArray();
        }
        catch (KafkaException e)
        {
            Rewind(ranges);
            throw new StreamException($"reading {string.Join(", ", _settings.Topics)} for group '{_settings.Group}' on {_connection} failed: {e.Error.Reason} ({e.Error.Code})", e);
        }
        catch
        {
            // Cancelled, or the receiver failed: nothing of this read counts as consumed.
            Rewind(ranges);
            throw;
        }
    }

    /// <summary>
    /// The end of the topics, not of whatever the group handed this member: a member that crashed keeps its partitions
    /// until the broker's session timeout, and a batch that stopped at the end of the rest would leave them for later
    /// batches. So the read also waits (within MaxWait) until this member owns every partition of its topics.
    /// </summary>
    private bool AllAtEnd()
    {
        lock (_gate)
        {
            // Checked before every record: the counts first, so a read in full flow does not walk the partitions.
            return _assigned.Count > 0 && _assigned.Count >= _topicPartitions && _endsReported.Count >= _assigned.Count
                && _assigned.All(_endsReported.ContainsKey);
        }
    }

    /// <summary>Partitions of the subscribed topics, from the broker's metadata; 0 when it cannot tell (then the assignment counts).</summary>
    private int CountTopicPartitions()
    {
        try
        {
            using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
            return _settings.Topics.Sum(topic => admin.GetMetadata(topic, RequestTimeout).Topics
                .Where(t => t.Topic == topic && !t.Error.IsError)
                .Sum(t => t.Partitions.Count));
        }
        catch (KafkaException e)
        {
            KafkaLog.MetadataFailed(_logger, string.Join(", ", _settings.Topics), e.Error.Reason);
            return 0;
        }
    }

    /// <summary>
    /// An end reported during an earlier read may have moved since (records produced in between); librdkafka reports
    /// the new end only after those records are consumed, so ask the broker where each end is now.
    /// </summary>
    private void ForgetPassedEnds()
    {
        KeyValuePair<TopicPartition, long>[] ends;
        lock (_gate)
        {
            ends = [.. _endsReported];
        }

        foreach (var (partition, endOffset) in ends)
        {
            long high;
            try
            {
                high = _consumer.QueryWatermarkOffsets(partition, RequestTimeout).High.Value;
            }
            catch (KafkaException)
            {
                // No answer: keep the end we know rather than wait for an end report that may never come again.
                continue;
            }

            if (high > endOffset)
            {
                lock (_gate)
                {
                    _endsReported.Remove(partition);
                }
            }
        }
    }

    /// <summary>A read that fails hands nothing to its caller, so the records it took are read again next time.</summary>
    private void Rewind(Dictionary<TopicPartition, (long First, long Last)> taken)
    {
        foreach (var (partition, (first, _)) in taken)
        {
            try
            {
                _consumer.Seek(new TopicPartitionOffset(partition, first));
            }
            catch (KafkaException e)
            {
                KafkaLog.RewindFailed(_logger, _settings.Group, $"{partition.Topic} [{partition.Partition.Value}]", first, e.Error.Reason);
            }
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions)
    {
        KafkaLog.Assigned(_logger, _settings.Group, string.Join(", ", partitions));
        lock (_gate)
        {
            var offsets = new List<TopicPartitionOffset>(partitions.Count);
            foreach (var partition in partitions)
            {
                _assigned.Add(partition);
                _endsReported.Remove(partition);
                // Earliest and Latest are where this consumer starts: applied the first time it gets a partition,
                // the group's commits after that.
                var firstTime = _started.Add(partition);
                offsets.Add(new TopicPartitionOffset(partition, (_settings.Start, firstTime) switch
                {
                    (StartPosition.Earliest, true) => Offset.Beginning,
                    (StartPosition.Latest, true) => Offset.End,
                    _ => Offset.Unset,
                }));
            }

            return offsets;
        }
    }

    private void OnRevoked(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.ToArray();
        KafkaLog.Revoked(_logger, _settings.Group, string.Join(", ", gone));
        lock (_gate)
        {
            foreach (var partition in gone)
            {
                _assigned.Remove(partition);
                _endsReported.Remove(partition);
            }
        }
    }

    private static IncomingMessage ToMessage(ConsumeResult<string?, byte[]> result)
    {
        var message = result.Message;
        IReadOnlyDictionary<string, string> headers = ReadOnlyDictionary<string, string>.Empty;
        if (message.Headers is { Count: > 0 })
        {
            var map = new Dictionary<string, string>(message.Headers.Count, StringComparer.Ordinal);
            foreach (var header in message.Headers)
            {
                // A repeated header name keeps its last value.
                map[header.Key] = header.GetValueBytes() is { } bytes ? Encoding.UTF8.GetString(bytes) : "";
            }

            headers = map;
        }

        return new IncomingMessage(
            result.Topic,
            result.Partition.Value,
            result.Offset.Value,
            DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp.UnixTimestampMs),
            message.Key,
            message.Value ?? [],
            headers);
    }
}
