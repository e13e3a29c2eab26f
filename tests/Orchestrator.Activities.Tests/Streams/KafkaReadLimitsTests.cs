using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Xunit.Abstractions;
using static Orchestrator.Activities.Tests.Support.KafkaTestBed;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>When a bounded read ends: at the end of the partitions, after MaxWait on the injected clock, at MaxMessages.</summary>
public sealed class KafkaReadLimitsTests(ITestOutputHelper output) : IDisposable
{
    private readonly KafkaTestBed _kafka = new(output);

    [Fact]
    public async Task ReadAsync_ReturnsNothingWithoutWaitingForMaxWait_WhenStoppingAtTheEndOfAnEmptyTopic()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var clock = new FakeTimeProvider(); // never advanced: only the ends of the partitions can end this read
        using var consumer = _kafka.Stream(clock).CreateConsumer(new ConsumerSettings { Group = "empty", Topics = [topic] });

        var read = await consumer.ReadAsync(new BatchLimits { MaxMessages = 100, MaxWait = TimeSpan.FromHours(1) }, _kafka.Token);

        Assert.Empty(read);
    }

    [Fact]
    public async Task ReadAsync_EndsWhenMaxWaitPassesOnTheInjectedClock_WhenNotStoppingAtTheEnd()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var clock = new FakeTimeProvider();
        var stream = _kafka.Stream(clock);
        await _kafka.ProduceAsync(topic, Records(3), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "patient", Topics = [topic] });
        var first = await consumer.ReadAsync(ToEnd with { MaxWait = TimeSpan.FromHours(1) }, _kafka.Token);

        // MaxWait counts from the call: once it has returned the task, moving the clock ends the read.
        var waiting = consumer.ReadAsync(new BatchLimits { MaxMessages = 100, MaxWait = TimeSpan.FromMinutes(10), StopAtEnd = false }, _kafka.Token);
        clock.Advance(TimeSpan.FromMinutes(10));
        var second = await waiting;

        Assert.Equal(3, first.Count);
        Assert.Empty(second);
    }

    [Fact]
    public async Task ReadAsync_StopsAtMaxMessagesAndLeavesTheRestForTheNextRead_WhenMoreRecordsAreWaiting()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        await _kafka.ProduceAsync(topic, Records(25), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "paged", Topics = [topic] });

        var pages = new List<IReadOnlyList<IncomingMessage>>();
        for (var i = 0; i < 3; i++)
        {
            pages.Add(await consumer.ReadAsync(ToEnd with { MaxMessages = 10 }, _kafka.Token));
        }

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Range(0, 25), pages.SelectMany(p => p).Select(Number));
    }

    [Fact]
    public async Task ReadAsync_ThrowsOperationCanceled_WhenCancelledWhileWaiting()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        using var consumer = _kafka.Stream().CreateConsumer(new ConsumerSettings { Group = "cancelled", Topics = [topic] });
        using var cancel = new CancellationTokenSource();

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromHours(1), StopAtEnd = false }, cancel.Token);
        await cancel.CancelAsync();

        // A read that ignored the token would wait an hour; this one must end within its next short Consume.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Dispose_EndsARunningReadAndLeavesTheGroup_WhenTheConsumerIsReading()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "closing", Topics = [topic] });
        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromHours(1), StopAtEnd = false }, _kafka.Token);

        consumer.Dispose();
        await _kafka.ProduceAsync(topic, Records(4), stream);
        using var successor = stream.CreateConsumer(new ConsumerSettings { Group = "closing", Topics = [topic] });
        var taken = await successor.ReadAsync(ToEnd, _kafka.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([0, 1, 2, 3], taken.Select(Number));
    }

    public void Dispose() => _kafka.Dispose();
}
