using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Xunit.Abstractions;
using static Orchestrator.Activities.Tests.Support.KafkaTestBed;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>A read that hands each record over as it arrives instead of keeping the batch.</summary>
public sealed class KafkaStreamedReadTests(ITestOutputHelper output) : IDisposable
{
    private readonly KafkaTestBed _kafka = new(output);

    [Fact]
    public async Task ReadAsync_HandsEveryRecordOverInPartitionOrder_AndReturnsTheRangesRead()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stream = _kafka.Stream();
        var produced = await _kafka.ProduceAsync(topic, Records(300), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "streamed", Topics = [topic] });

        var received = new List<IncomingMessage>();
        var ranges = await consumer.ReadAsync(ToEnd, received.Add, _kafka.Token);

        Assert.Equal(Enumerable.Range(0, 300), received.Select(Number).Order());
        Assert.All(received.GroupBy(m => m.Partition), p => Assert.Equal(p.Select(m => m.Offset).Order(), p.Select(m => m.Offset)));
        Assert.Equal(produced.Select(r => (r.Partition, r.FirstOffset, r.LastOffset)), ranges.Select(r => (r.Partition, r.FirstOffset, r.LastOffset)));
    }

    [Fact]
    public async Task ReadAsync_RewindsToTheFirstRecordItHandedOver_WhenTheReceiverFails()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(20), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "failing", Topics = [topic] });

        var seen = 0;
        var failure = await Assert.ThrowsAsync<IOException>(() => consumer.ReadAsync(ToEnd, m =>
        {
            if (++seen == 5)
            {
                throw new IOException("disk full");
            }
        }, _kafka.Token));
        var again = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal("disk full", failure.Message);
        Assert.Equal(Enumerable.Range(0, 20), again.Select(Number));
    }

    public void Dispose() => _kafka.Dispose();
}
