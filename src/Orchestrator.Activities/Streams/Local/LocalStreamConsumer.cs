namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// Reads a group's topics from the local log. As in Kafka, a partition belongs to one member of a group at a time: the
/// consumer holds the group's lock file of each topic it reads, from the moment it gets it until it is disposed, and
/// a consumer that cannot get it reads nothing from that topic (like a member without partitions).
/// </summary>
internal sealed class LocalStreamConsumer : IStreamConsumer
{
    /// <summary>How often a waiting read looks for new records, or for the group's lock, on the injected clock.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly LocalEventStream stream;
    private readonly ConsumerSettings settings;
    private readonly TopicMembership[] topics;
    private int nextTopic;
    private int reading;
    private bool disposed;

    public LocalStreamConsumer(LocalEventStream stream, ConsumerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrEmpty(settings.Group))
        {
            throw new StreamException("a consumer needs a group");
        }

        if (settings.Topics is not { Count: > 0 })
        {
            throw new StreamException($"consumer group '{settings.Group}' needs at least one topic");
        }

        this.stream = stream;
        this.settings = settings;
        topics = settings.Topics.Distinct(StringComparer.Ordinal).Select(t => new TopicMembership(stream.FilesOf(t))).ToArray();
        try
        {
            // Joining now fixes where a Latest consumer starts: the end of the log when it was created.
            foreach (var topic in topics)
            {
                TryJoin(topic);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool OwnsPartitions => topics.Any(t => t.Reader is not null);

    public async Task<IReadOnlyList<IncomingMessage>> ReadAsync(BatchLimits limits, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxMessages, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxWait, TimeSpan.Zero, nameof(limits));
        if (Interlocked.Exchange(ref reading, 1) == 1)
        {
            throw new InvalidOperationException("a consumer reads one batch at a time");
        }

        try
        {
            var started = stream.Time.GetTimestamp();
            var batch = new List<IncomingMessage>();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ReadAvailable(batch, limits.MaxMessages, out var atEnd) || (atEnd && limits.StopAtEnd))
                {
                    return batch;
                }

                var remaining = limits.MaxWait - stream.Time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return batch;
                }

                await Task.Delay(remaining < PollInterval ? remaining : PollInterval, stream.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref reading, 0);
        }
    }

    public Task CommitAsync(IReadOnlyList<PartitionRange> consumed, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(consumed);
        foreach (var range in consumed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var topic = Membership(range.Topic, range.Partition);
            if (!TryJoin(topic))
            {
                throw new StreamException(
                    $"consumer group '{settings.Group}' cannot commit topic '{range.Topic}': another consumer of the group reads it");
            }

            var offsets = new GroupOffsets(settings.Group, range.Topic, new Dictionary<int, long> { [TopicFiles.Partition] = range.LastOffset + 1 }, stream.Time.GetUtcNow());
            Guard(range.Topic, "committing", () => GroupOffsetsFile.Write(topic.Files.GroupOffsets(settings.Group), offsets));
        }

        return Task.CompletedTask;
    }

    public void Seek(string topic, int partition, long offset)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var membership = Membership(topic, partition);
        if (membership.Reader is { } reader)
        {
            reader.Seek(offset);
        }
        else
        {
            // Applied when the consumer gets the partition.
            membership.PendingSeek = offset;
        }
    }

    public Task<IReadOnlyDictionary<(string Topic, int Partition), long>> CommittedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var committed = new Dictionary<(string Topic, int Partition), long>();
        foreach (var topic in topics)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Committed(topic) is { } next)
            {
                committed[(topic.Files.Topic, TopicFiles.Partition)] = next;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<(string Topic, int Partition), long>>(committed);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var topic in topics)
        {
            topic.Leave();
        }
    }

    /// <summary>Reads what the owned partitions hold now; true when the batch is full. <paramref name="atEnd"/>: every owned partition was read to its end.</summary>
    private bool ReadAvailable(List<IncomingMessage> batch, int max, out bool atEnd)
    {
        atEnd = false;
        var owned = false;
        var allAtEnd = true;

        // Start from a different topic each time so one busy topic does not starve the others.
        var first = nextTopic;
        nextTopic = (nextTopic + 1) % topics.Length;
        for (var i = 0; i < topics.Length; i++)
        {
            var topic = topics[(first + i) % topics.Length];
            if (!TryJoin(topic))
            {
                continue;
            }

            owned = true;
            var reader = topic.Reader!;
            Guard(topic.Files.Topic, "reading", () => reader.Read(batch, max - batch.Count));
            if (batch.Count >= max)
            {
                return true;
            }

            allAtEnd &= reader.AtEnd;
        }

        atEnd = owned && allAtEnd;
        return false;
    }

    /// <summary>Takes the group's lock of the topic if nobody holds it, and positions the reader; true when this consumer owns the topic.</summary>
    private bool TryJoin(TopicMembership topic)
    {
        if (topic.Reader is not null)
        {
            return true;
        }

        return Guard(topic.Files.Topic, "joining the group on", () =>
        {
            Directory.CreateDirectory(topic.Files.GroupsDirectory);
            if (FileLock.TryAcquire(topic.Files.GroupLock(settings.Group)) is not { } groupLock)
            {
                return false;
            }

            var reader = new PartitionReader(topic.Files);
            try
            {
                if (topic.PendingSeek is { } seek)
                {
                    reader.Seek(seek);
                }
                else if (settings.Start == StartPosition.Latest)
                {
                    reader.SeekToEnd();
                }
                else
                {
                    reader.Seek(settings.Start == StartPosition.Earliest ? 0 : Committed(topic) ?? 0);
                }
            }
            catch
            {
                reader.Dispose();
                groupLock.Dispose();
                throw;
            }

            topic.Join(groupLock, reader);
            return true;
        });
    }

    private long? Committed(TopicMembership topic)
        => GroupOffsetsFile.Read(topic.Files.GroupOffsets(settings.Group)) is { } offsets
           && offsets.Offsets.TryGetValue(TopicFiles.Partition, out var next)
            ? next
            : null;

    private TopicMembership Membership(string topic, int partition)
        => partition == TopicFiles.Partition
           && Array.Find(topics, t => string.Equals(t.Files.Topic, topic, StringComparison.Ordinal)) is { } found
            ? found
            : throw new StreamException($"consumer group '{settings.Group}' does not read {topic}[{partition}]; the local log has partition 0 of {string.Join(", ", topics.Select(t => t.Files.Topic))}");

    private T Guard<T>(string topic, string doing, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (IOException e)
        {
            throw new StreamException($"{doing} topic '{topic}' of the local log in {stream.Root} failed: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StreamException($"{doing} topic '{topic}' of the local log in {stream.Root} failed: {e.Message}", e);
        }
    }

    private void Guard(string topic, string doing, Action action) => Guard(topic, doing, () =>
    {
        action();
        return 0;
    });

    /// <summary>One topic of the consumer: whether it holds the group's lock on it, and where it reads.</summary>
    private sealed class TopicMembership(TopicFiles files)
    {
        private FileLock? groupLock;

        public TopicFiles Files => files;

        public PartitionReader? Reader { get; private set; }

        public long? PendingSeek { get; set; }

        public void Join(FileLock heldLock, PartitionReader reader)
        {
            groupLock = heldLock;
            Reader = reader;
            PendingSeek = null;
        }

        public void Leave()
        {
            Reader?.Dispose();
            Reader = null;
            groupLock?.Dispose();
            groupLock = null;
        }
    }
}
