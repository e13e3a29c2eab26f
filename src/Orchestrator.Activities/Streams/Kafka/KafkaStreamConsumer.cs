using System.Collections.ObjectModel;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// A group member that reads bounded batches. Consume blocks, so each read runs on a thread of its own with short
/// Consume timeouts, checking the deadline (on the injected clock) and the token between them. End of partition is
/// tracked from librdkafka's EOF events: a read that stops at the end returns once every assigned partition reported
/// its end, and never before the group assigned this consumer something. The consumer joins its group when its first
/// read starts, so one that is made and disposed without reading (an attempt that failed before it read) never
/// becomes a member the group has to wait for.
/// </summary>
internal sealed class KafkaStreamConsumer : IStreamConsumer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan JoinWait = TimeSpan.FromSeconds(10);
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
    private readonly string? _onlyTopic; // the topic, when there is one: records then come without their topic's name
    private readonly bool _epochs; // the KIP-848 group protocol, whose members have epochs
    private Task? _reading;
    private bool _subscribed; // under _gate
    private volatile bool _disposed;
    private volatile bool _brokersDown;
    private Task<int>? _topicPartitions;
    private volatile int _ends; // _endsReported.Count, read by the reading thread without the lock
    private volatile int _endsVersion; // moves whenever the assignment or the reported ends change

    public KafkaStreamConsumer(ConsumerConfig config, ConsumerSettings settings, string connection, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _onlyTopic = settings.Topics.Count == 1 ? settings.Topics[0] : null;
        _connection = connection;
        _time = time;
        _logger = logger;
        _epochs = string.Equals(config.Get("group.protocol"), "consumer", StringComparison.OrdinalIgnoreCase);
        _consumer = new ConsumerBuilder<string?, byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Native(logger, message))
            .SetErrorHandler((_, error) =>
            {
                _brokersDown |= error.Code == ErrorCode.Local_AllBrokersDown;
                KafkaLog.Error(logger, connection, error);
            })
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => OnRevoked(partitions.Select(p => p.TopicPartition)))
            .Build();
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

            if (!_subscribed)
            {
                try
                {
                    _consumer.Subscribe(_settings.Topics);
                }
                catch (KafkaException e)
                {
                    throw new StreamException($"cannot subscribe group '{_settings.Group}' to {string.Join(", ", _settings.Topics)} on {_connection}: {e.Error.Reason} ({e.Error.Code})", e);
                }

                _subscribed = true;
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
            EndsChanged();
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

    /// <summary>
    /// Stops a running read, leaves the group (so its partitions move to other members at once) and closes. A consumer
    /// that never read never joined, and only closes.
    /// </summary>
    public void Dispose()
    {
        Task? reading;
        bool subscribed;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            reading = _reading;
            subscribed = _subscribed;
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
            _topicPartitions?.Wait(RequestTimeout); // it uses this consumer's handle
        }
        catch (AggregateException)
        {
            // Only a read that stopped at the end needed it, and it reported the failure.
        }

        if (subscribed)
        {
            FinishJoin();
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

    /// <summary>
    /// librdkafka leaves a KIP-848 group (a heartbeat with epoch -1) only once the coordinator has answered its join
    /// with an epoch. A member closed while that answer is on its way is never told to leave: the coordinator keeps it,
    /// with the partitions it gave it, until the group's session timeout (45 s by default), and the group's next member
    /// (a retry's) gets none of them until then. So a member whose join may be in flight polls until the answer comes,
    /// for at most <see cref="JoinWait"/> (then it closes as before and the coordinator expires it); what it reads
    /// meanwhile is handed to no one and not committed. No wait when the epoch cannot be read, when no broker answers,
    /// or with the classic group protocol (no epochs: librdkafka sends its LeaveGroup once the coordinator gave the
    /// member an id).
    /// </summary>
    private void FinishJoin()
    {
        if (!_epochs)
        {
            return;
        }

        for (var polls = 0; polls * PollInterval < JoinWait && !_brokersDown; polls++)
        {
            if (LibrdkafkaGroupApi.MemberEpoch(_consumer.Handle) is not { } epoch || epoch > 0)
            {
                return;
            }

            try
            {
                _consumer.Consume(PollInterval);
            }
            catch (KafkaException)
            {
                // A consume error (reported to the error handler too) does not stop the join.
            }
        }
    }

    private IReadOnlyList<PartitionRange> Read(BatchLimits limits, long started, Action<IncomingMessage> received, CancellationToken cancellationToken)
    {
        var ranges = new ReadRanges();
        var count = 0;
        var endsChecked = -1; // the _endsVersion AllAtEnd last answered false for
        try
        {
            if (limits.StopAtEnd)
            {
                // Asked beside the group join rather than before it: only needed once every assigned partition is at its end.
                _topicPartitions ??= Task.Run(CountTopicPartitions, CancellationToken.None);
                ForgetPassedEnds();
            }

            while (count < limits.MaxMessages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var remaining = limits.MaxWait - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                if (limits.StopAtEnd && _endsVersion is var version && version != endsChecked)
                {
                    if (AllAtEnd())
                    {
                        break;
                    }

                    endsChecked = version;
                }

                var result = _consumer.Consume(remaining < PollInterval ? remaining : PollInterval);
                if (result is null)
                {
                    continue;
                }

                var topic = result.Topic ?? _onlyTopic
                    ?? throw new StreamException("records come without their topic's name: with several topics, dotnet.consumer.consume.result.fields must include topic");
                var partition = result.Partition.Value;
                var offset = result.Offset.Value;
                if (result.IsPartitionEOF)
                {
                    var ended = new TopicPartition(topic, partition);
                    lock (_gate)
                    {
                        if (_assigned.Contains(ended))
                        {
                            _endsReported[ended] = offset;
                            EndsChanged();
                        }
                    }

                    continue;
                }

                if (_ends > 0)
                {
                    lock (_gate)
                    {
                        if (_endsReported.Remove(new TopicPartition(topic, partition)))
                        {
                            EndsChanged();
                        }
                    }
                }

                ranges.Add(topic, partition, offset);
                count++;
                received(ToMessage(result, topic));
            }

            return ranges.ToPartitionRanges();
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

    /// <summary>Call with the lock held, after each change of the assignment or of the reported ends.</summary>
    private void EndsChanged()
    {
        _ends = _endsReported.Count;
        _endsVersion++;
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
            if (_assigned.Count == 0 || _endsReported.Count < _assigned.Count || !_assigned.All(_endsReported.ContainsKey))
            {
                return false;
            }
        }

        // Every partition this member owns is at its end: whether it owns all of them needs the topics' partition count.
        return _assigned.Count >= _topicPartitions!.GetAwaiter().GetResult();
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
                    EndsChanged();
                }
            }
        }
    }

    /// <summary>A read that fails hands nothing to its caller, so the records it took are read again next time.</summary>
    private void Rewind(ReadRanges taken)
    {
        foreach (var (partition, first) in taken.Firsts())
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
                EndsChanged();
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
                EndsChanged();
            }
        }
    }

    private static IncomingMessage ToMessage(ConsumeResult<string?, byte[]> result, string topic)
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
            topic,
            result.Partition.Value,
            result.Offset.Value,
            DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp.UnixTimestampMs),
            message.Key,
            message.Value ?? [],
            headers);
    }

    /// <summary>
    /// The offsets a read took, per partition. Records come in runs from one partition, so the partition of the last
    /// record is looked at first and the others (a few dozen at most) are searched only when the run changes.
    /// </summary>
    private sealed class ReadRanges
    {
        private readonly List<(string Topic, int Partition, long First, long Last)> _ranges = [];
        private int _last = -1;

        public void Add(string topic, int partition, long offset)
        {
            if (_last < 0 || _ranges[_last].Partition != partition || !string.Equals(_ranges[_last].Topic, topic, StringComparison.Ordinal))
            {
                _last = _ranges.FindIndex(r => r.Partition == partition && string.Equals(r.Topic, topic, StringComparison.Ordinal));
                if (_last < 0)
                {
                    _ranges.Add((topic, partition, offset, offset));
                    _last = _ranges.Count - 1;
                    return;
                }
            }

            var range = _ranges[_last];
            _ranges[_last] = (range.Topic, partition, Math.Min(range.First, offset), Math.Max(range.Last, offset));
        }

        public IEnumerable<(TopicPartition Partition, long First)> Firsts()
            => _ranges.Select(r => (new TopicPartition(r.Topic, r.Partition), r.First));

        public PartitionRange[] ToPartitionRanges()
            => _ranges
                .Select(r => new PartitionRange(r.Topic, r.Partition, r.First, r.Last))
                .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition)
                .ToArray();
    }
}
