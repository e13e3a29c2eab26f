using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Testing;
using Xunit.Abstractions;
using static Orchestrator.Activities.Tests.Support.KafkaTestBed;
using ApiKeys = Orchestrator.Testing.KafkaMockCluster.ApiKeys;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>Bounded reads of one group: what is committed is not read again, what is not committed is.</summary>
public sealed class KafkaConsumerGroupTests(ITestOutputHelper output) : IDisposable
{
    private readonly KafkaTestBed _kafka = new(output);

    [Fact]
    public async Task ReadAsync_SeesEveryRecordExactlyOnceAndCommitsTheEnds_WhenOneGroupReadsTwoBoundedBatches()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        var ranges = await _kafka.ProduceAsync(topic, Records(100), stream);
        var settings = new ConsumerSettings { Group = "batches", Topics = [topic] };
        var limits = ToEnd with { MaxMessages = 60 };

        List<IncomingMessage> seen = [];
        using (var first = stream.CreateConsumer(settings))
        {
            var batch = await first.ReadAsync(limits, _kafka.Token);
            await first.CommitAsync(PartitionRange.Of(batch), _kafka.Token);
            seen.AddRange(batch);
        }

        // A new member of the group goes on from the commits: the other 40, then nothing.
        using var second = stream.CreateConsumer(settings);
        var rest = await second.ReadAsync(limits, _kafka.Token);
        await second.CommitAsync(PartitionRange.Of(rest), _kafka.Token);
        seen.AddRange(rest);
        var after = await second.ReadAsync(limits, _kafka.Token);
        var committed = await second.CommittedAsync(_kafka.Token);

        Assert.Equal(60, seen.Count - rest.Count);
        Assert.Equal(40, rest.Count);
        Assert.Empty(after);
        Assert.Equal(Enumerable.Range(0, 100), seen.Select(Number).Order());
        Assert.Equal(ranges.ToDictionary(r => (r.Topic, r.Partition), r => r.LastOffset + 1), committed);
    }

    [Fact]
    public async Task ReadAsync_ReadsTheSameRecordsAgain_WhenThePreviousConsumerOfTheGroupDidNotCommit()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 2);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(20), stream);
        var settings = new ConsumerSettings { Group = "forgetful", Topics = [topic] };

        IReadOnlyList<IncomingMessage> first;
        IReadOnlyDictionary<(string, int), long> committed;
        using (var consumer = stream.CreateConsumer(settings))
        {
            first = await consumer.ReadAsync(ToEnd, _kafka.Token);
            committed = await consumer.CommittedAsync(_kafka.Token);
        }

        using var again = stream.CreateConsumer(settings);
        var second = await again.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(20, first.Count);
        Assert.Empty(committed);
        Assert.Equal(Identities(first), Identities(second));
    }

    [Fact]
    public async Task Dispose_LeavesTheGroupFreeForItsNextMember_WhenTheReadIsCancelledWhileTheJoinIsUnanswered()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(30), stream);
        var settings = new ConsumerSettings { Group = "cancelled", Topics = [topic] };

        // The group's coordinator answers 2 s late: the first member's join reaches it (and is given every partition)
        // while the member still waits for its epoch, and the read is cancelled then.
        _kafka.Cluster.SetGroupCoordinator(settings.Group, 3);
        _kafka.Cluster.StartRequestTracking();
        _kafka.Cluster.SetBrokerDelay(3, TimeSpan.FromSeconds(2));
        using (var first = stream.CreateConsumer(settings))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_kafka.Token);
            var read = first.ReadAsync(ToEnd, cancel.Token);
            Assert.True(SpinWait.SpinUntil(() => _kafka.Cluster.CountRequests(ApiKeys.ConsumerGroupHeartbeat) > 0, TimeSpan.FromSeconds(20)));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        }

        // The next member gets every partition within its read, long before the group's session timeout (45 s) would
        // have expired a member that never left.
        _kafka.Cluster.SetBrokerDelay(3, TimeSpan.Zero);
        using var second = stream.CreateConsumer(settings);
        var all = await second.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(Enumerable.Range(0, 30), all.Select(Number).Order());
    }

    [Fact]
    public async Task CommitAsync_CommitsTheOffsetAfterEachRange_WhenOnlyPartOfABatchIsCommitted()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(10), stream);
        var settings = new ConsumerSettings { Group = "partial", Topics = [topic] };

        using (var consumer = stream.CreateConsumer(settings))
        {
            var batch = await consumer.ReadAsync(ToEnd, _kafka.Token);
            await consumer.CommitAsync([new PartitionRange(topic, 0, 0, 3)], _kafka.Token);
            Assert.Equal(10, batch.Count);
            Assert.Equal(new Dictionary<(string, int), long> { [(topic, 0)] = 4 }, await consumer.CommittedAsync(_kafka.Token));
        }

        using var next = stream.CreateConsumer(settings);
        var rest = await next.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(Enumerable.Range(4, 6), rest.Select(Number));
    }

    [Fact]
    public async Task Seek_MovesThePositionBack_WhenAPartitionIsSeekedToAnEarlierOffset()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(10), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "rewind", Topics = [topic] });
        var all = await consumer.ReadAsync(ToEnd, _kafka.Token);

        consumer.Seek(topic, 0, 4);
        var again = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(10, all.Count);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), again.Select(m => m.Offset));
    }

    [Fact]
    public async Task Seek_FailsWithStreamException_WhenThePartitionIsNotAssignedToTheConsumer()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        using var consumer = _kafka.Stream().CreateConsumer(new ConsumerSettings { Group = "lost", Topics = [topic] });
        await consumer.ReadAsync(ToEnd, _kafka.Token);

        var failure = Assert.Throws<StreamException>(() => consumer.Seek(topic, 7, 0));

        Assert.Contains($"{topic} [[7]]", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _kafka.Dispose();
}
