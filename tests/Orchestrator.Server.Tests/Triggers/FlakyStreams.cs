using Orchestrator.Activities.Streams;
using Orchestrator.Core.Connections;

namespace Orchestrator.Server.Tests.Triggers;

/// <summary>
/// Event streams whose consumers fail their first reads and commits (a broker going away), counting the failures;
/// everything else is the real stream's.
/// </summary>
public sealed class FlakyStreams(int readFailures, int commitFailures)
{
    private readonly int _reads = readFailures;
    private readonly int _commits = commitFailures;
    private int _readsLeft = readFailures;
    private int _commitsLeft = commitFailures;

    public int ReadsFailed => _reads - Math.Max(0, Volatile.Read(ref _readsLeft));

    public int CommitsFailed => _commits - Math.Max(0, Volatile.Read(ref _commitsLeft));

    public IEventStreamFactory Wrap(IEventStreamFactory inner) => new Factory(this, inner);

    private bool FailRead() => Interlocked.Decrement(ref _readsLeft) >= 0;

    private bool FailCommit() => Interlocked.Decrement(ref _commitsLeft) >= 0;

    private sealed class Factory(FlakyStreams owner, IEventStreamFactory inner) : IEventStreamFactory
    {
        public IEventStream Open(Connection connection) => new Stream(owner, inner.Open(connection));
    }

    private sealed class Stream(FlakyStreams owner, IEventStream inner) : IEventStream
    {
        public IStreamProducer CreateProducer(ProducerSettings settings) => inner.CreateProducer(settings);

        public IStreamConsumer CreateConsumer(ConsumerSettings settings) => new Consumer(owner, inner.CreateConsumer(settings));
    }

    private sealed class Consumer(FlakyStreams owner, IStreamConsumer inner) : IStreamConsumer
    {
        public async Task<IReadOnlyList<IncomingMessage>> ReadAsync(BatchLimits limits, CancellationToken cancellationToken)
        {
            var messages = await inner.ReadAsync(limits, cancellationToken);
            return messages.Count > 0 && owner.FailRead() ? throw new StreamException("broker went away while reading (test)") : messages;
        }

        public Task CommitAsync(IReadOnlyList<PartitionRange> consumed, CancellationToken cancellationToken)
            => owner.FailCommit() ? throw new StreamException("broker went away while committing (test)") : inner.CommitAsync(consumed, cancellationToken);

        public void Seek(string topic, int partition, long offset) => inner.Seek(topic, partition, offset);

        public Task<IReadOnlyDictionary<(string Topic, int Partition), long>> CommittedAsync(CancellationToken cancellationToken) => inner.CommittedAsync(cancellationToken);

        public bool OwnsPartitions => inner.OwnsPartitions;

        public void Dispose() => inner.Dispose();
    }
}
