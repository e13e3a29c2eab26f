namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// Counts the delivery reports of one batch and the offsets they landed at, per partition, and keeps at most a
/// window of records in flight. The reports of one producer arrive in batches on one thread and are counted under one
/// lock per batch; the sending thread only counts what it sent and reads how many were reported, so the two threads
/// share no counter that both write for every record.
/// </summary>
internal sealed class KafkaDeliveryTally(int window)
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (bool Seen, long First, long Last)[] _ranges = new (bool, long, long)[16];
    private int _sent; // written by the sending thread only
    private int _reported; // written under the lock
    private bool _sendingEnded;
    private TaskCompletionSource? _room;

    public Task Completed => _completed.Task;

    public int Failed { get; private set; }

    /// <summary>librdkafka's code of the first failed delivery.</summary>
    public int FirstError { get; private set; }

    public bool WindowIsFull => _sent - Volatile.Read(ref _reported) >= window;

    /// <summary>Records handed to librdkafka so far (read by the sending thread).</summary>
    public int Sent => _sent;

    /// <summary>One more record is being handed over (the sending thread).</summary>
    public void Sending() => Volatile.Write(ref _sent, _sent + 1);

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
        // A report between the check and publishing the waiter would not have seen it: look again (the exchange
        // above and the one that counts reports are full fences, so one of the two sees the other).
        if (_sent - Volatile.Read(ref _reported) <= window / 2)
        {
            Interlocked.CompareExchange(ref _room, null, room);
            return;
        }

        await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One record's report (a record librdkafka refused before it left).</summary>
    public unsafe void Report(int error, int partition, long offset)
    {
        var message = new LibrdkafkaProducerApi.Message { Error = error, Partition = partition, Offset = offset };
        var one = &message;
        Report(&one, 1);
    }

    /// <summary>The reports of <paramref name="count"/> records of this tally, counted under one lock.</summary>
    public unsafe void Report(LibrdkafkaProducerApi.Message** messages, int count)
    {
        int inFlight;
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                var message = messages[i];
                if (message->Error != 0)
                {
                    if (Failed++ == 0)
                    {
                        FirstError = message->Error;
                    }

                    continue;
                }

                var partition = message->Partition;
                var offset = message->Offset;
                if (partition < 0)
                {
                    continue; // a delivered record always has its partition
                }

                if (partition >= _ranges.Length)
                {
                    Array.Resize(ref _ranges, Math.Max(partition + 1, _ranges.Length * 2));
                }

                ref var range = ref _ranges[partition];
                range = range.Seen ? (true, Math.Min(range.First, offset), Math.Max(range.Last, offset)) : (true, offset, offset);
            }

            var reported = Interlocked.Add(ref _reported, count);
            var sent = Volatile.Read(ref _sent);
            if (reported == sent && _sendingEnded)
            {
                _completed.TrySetResult();
            }

            inFlight = sent - reported;
        }

        if (inFlight <= window / 2 && Volatile.Read(ref _room) is { } room && Interlocked.CompareExchange(ref _room, null, room) == room)
        {
            room.TrySetResult();
        }
    }

    public IReadOnlyList<PartitionRange> Ranges(string topic)
    {
        lock (_gate)
        {
            var ranges = new List<PartitionRange>();
            for (var partition = 0; partition < _ranges.Length; partition++)
            {
                if (_ranges[partition] is (true, var first, var last))
                {
                    ranges.Add(new PartitionRange(topic, partition, first, last));
                }
            }

            return ranges;
        }
    }
}
