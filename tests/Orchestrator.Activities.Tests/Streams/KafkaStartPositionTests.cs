using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Xunit.Abstractions;
using static Orchestrator.Activities.Tests.Support.KafkaTestBed;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>Where a consumer starts: the group's commits, the beginning of the log, or its end.</summary>
public sealed class KafkaStartPositionTests(ITestOutputHelper output) : IDisposable
{
    private readonly KafkaTestBed _kafka = new(output);

    [Fact]
    public async Task ReadAsync_StartsAtTheBeginning_WhenStartIsEarliestAndTheGroupCommittedEverything()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(15), stream);
        using (var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "replay", Topics = [topic] }))
        {
            var all = await consumer.ReadAsync(ToEnd, _kafka.Token);
            await consumer.CommitAsync(PartitionRange.Of(all), _kafka.Token);
        }

        using var replay = stream.CreateConsumer(new ConsumerSettings { Group = "replay", Topics = [topic], Start = StartPosition.Earliest });
        var read = await replay.ReadAsync(ToEnd, _kafka.Token);
        var committed = await replay.CommittedAsync(_kafka.Token);

        Assert.Equal(Enumerable.Range(0, 15), read.Select(Number).Order());
        Assert.Equal(15, committed.Values.Sum()); // still the first consumer's commits
    }

    [Fact]
    public async Task ReadAsync_StartsAtTheGroupsCommits_WhenStartIsCommitted()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(15), stream);
        using (var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "resume", Topics = [topic] }))
        {
            var all = await consumer.ReadAsync(ToEnd, _kafka.Token);
            await consumer.CommitAsync(PartitionRange.Of(all), _kafka.Token);
        }

        await _kafka.ProduceAsync(topic, Records(3, from: 15), stream);
        using var resumed = stream.CreateConsumer(new ConsumerSettings { Group = "resume", Topics = [topic], Start = StartPosition.Committed });
        var read = await resumed.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal([15, 16, 17], read.Select(Number).Order());
    }

    [Fact]
    public async Task ReadAsync_ReturnsOnlyRecordsProducedAfterJoining_WhenStartIsLatest()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(10), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "tail", Topics = [topic], Start = StartPosition.Latest });

        var before = await consumer.ReadAsync(ToEnd, _kafka.Token);
        await _kafka.ProduceAsync(topic, Records(5, from: 100), stream);
        var after = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Empty(before);
        Assert.Equal(Enumerable.Range(100, 5), after.Select(Number).Order());
    }

    public void Dispose() => _kafka.Dispose();
}
