namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// Counts the delivery reports of one batch and the offsets they landed at, per partition, and keeps at most a
/// window of records in flight (the reports of one producer arrive on one thread; the window is lock-free so that
/// thread and the sending one do not contend for every record).
/// </summary>
internal sealed class KafkaDeliveryTally(int window)
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
