using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Local;
using Orchestrator.Activities.Tests.Support;
using static Orchestrator.Activities.Tests.Streams.Local.LocalLogHelpers;

namespace Orchestrator.Activities.Tests.Streams.Local;

public sealed class LocalConsumerTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly LocalEventStream stream;

    public LocalConsumerTests() => stream = new LocalEventStream(folder.Path, TimeProvider.System);

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task ReadAsync_SeesEveryRecordOnce_WhenTwoBoundedReadsOfOneGroupCommit()
    {
        await ProduceAsync(stream, "orders", Texts("o", 10));
        using var consumer = stream.CreateConsumer(Group("billing", "orders"));

        var first = await consumer.ReadAsync(UpTo(6), CancellationToken.None);
        await consumer.CommitAsync(PartitionRange.Of(first), CancellationToken.None);
        var second = await consumer.ReadAsync(UpTo(6), CancellationToken.None);
        await consumer.CommitAsync(PartitionRange.Of(second), CancellationToken.None);
        var third = await consumer.ReadAsync(UpTo(6), CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"o-{i}"), first.Select(TextOf));
        Assert.Equal(Enumerable.Range(6, 4).Select(i => $"o-{i}"), second.Select(TextOf));
        Assert.Empty(third);
        Assert.Equal(10, (await consumer.CommittedAsync(CancellationToken.None))[("orders", 0)]);
    }

    [Fact]
    public async Task ReadAsync_ContinuesAfterTheCommit_WhenAnotherConsumerOfTheGroupStarts()
    {
        await ProduceAsync(stream, "orders", Texts("o", 10));
        using (var consumer = stream.CreateConsumer(Group("billing", "orders")))
        {
            var batch = await consumer.ReadAsync(UpTo(4), CancellationToken.None);
            await consumer.CommitAsync(PartitionRange.Of(batch), CancellationToken.None);
        }

        using var next = new LocalEventStream(folder.Path, TimeProvider.System).CreateConsumer(Group("billing", "orders"));
        var rest = await next.ReadAsync(UpTo(100), CancellationToken.None);

        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), rest.Select(m => m.Offset));
        Assert.Equal(new Dictionary<(string, int), long> { [("orders", 0)] = 4 }, await next.CommittedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_ReadsTheSameRecordsAgain_WhenThePreviousConsumerDidNotCommit()
    {
        await ProduceAsync(stream, "orders", Texts("o", 5));
        using (var consumer = stream.CreateConsumer(Group("billing", "orders")))
        {
            Assert.Equal(3, (await consumer.ReadAsync(UpTo(3), CancellationToken.None)).Count);
        }

        using var again = stream.CreateConsumer(Group("billing", "orders"));
        var batch = await again.ReadAsync(UpTo(3), CancellationToken.None);

        Assert.Equal([0L, 1, 2], batch.Select(m => m.Offset));
        Assert.Empty(await again.CommittedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_StartsAtTheFirstRecord_WhenStartIsEarliestAndTheGroupCommittedLater()
    {
        await ProduceAsync(stream, "orders", Texts("o", 5));
        using (var consumer = stream.CreateConsumer(Group("billing", "orders")))
        {
            await consumer.CommitAsync([new PartitionRange("orders", 0, 0, 3)], CancellationToken.None);
        }

        using var earliest = stream.CreateConsumer(Group("billing", "orders", StartPosition.Earliest));

        Assert.Equal([0L, 1, 2, 3, 4], (await earliest.ReadAsync(UpTo(10), CancellationToken.None)).Select(m => m.Offset));
        Assert.Equal(4, (await earliest.CommittedAsync(CancellationToken.None))[("orders", 0)]);
    }

    [Fact]
    public async Task ReadAsync_ReadsOnlyRecordsProducedAfterItStarted_WhenStartIsLatest()
    {
        await ProduceAsync(stream, "orders", Texts("old", 5));
        using var latest = stream.CreateConsumer(Group("alerts", "orders", StartPosition.Latest));
        await ProduceAsync(stream, "orders", Texts("new", 2));

        var batch = await latest.ReadAsync(UpTo(10), CancellationToken.None);

        Assert.Equal(["new-0", "new-1"], batch.Select(TextOf));
        Assert.Equal([5L, 6], batch.Select(m => m.Offset));
    }

    [Fact]
    public async Task ReadAsync_ReadsFromTheFirstRecord_WhenStartIsLatestOnATopicNotYetCreated()
    {
        using var latest = stream.CreateConsumer(Group("alerts", "later", StartPosition.Latest));
        Assert.Empty(await latest.ReadAsync(UpTo(10), CancellationToken.None));

        await ProduceAsync(stream, "later", Texts("x", 2));

        Assert.Equal([0L, 1], (await latest.ReadAsync(UpTo(10), CancellationToken.None)).Select(m => m.Offset));
    }

    [Fact]
    public async Task ReadAsync_ReturnsEmptyAtOnce_WhenStopAtEndOnAMissingTopic()
    {
        var clock = new ObservedClock(Start);
        using var consumer = new LocalEventStream(folder.Path, clock).CreateConsumer(Group("g", "nothing-here"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromMinutes(5) }, CancellationToken.None);

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Empty(await read);
    }

    [Fact]
    public async Task ReadAsync_ReturnsEmptyAtOnce_WhenStopAtEndOnAnEmptyTopicFile()
    {
        Directory.CreateDirectory(Path.Combine(folder.Path, "empty"));
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "empty", "0.jsonl"), []);
        var clock = new ObservedClock(Start);
        using var consumer = new LocalEventStream(folder.Path, clock).CreateConsumer(Group("g", "empty"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromMinutes(5) }, CancellationToken.None);

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Empty(await read);
    }

    [Fact]
    public async Task ReadAsync_WaitsExactlyMaxWaitOnTheInjectedClock_WhenNoRecordArrivesAndStopAtEndIsOff()
    {
        var clock = new ObservedClock(Start);
        using var consumer = new LocalEventStream(folder.Path, clock).CreateConsumer(Group("g", "idle"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromSeconds(30), StopAtEnd = false }, CancellationToken.None);
        for (var second = 0; second < 29; second++)
        {
            await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        }

        // The read has looked again after 29 s and waits on the clock once more.
        await clock.TimerArmedAsync();
        Assert.False(read.IsCompleted);
        clock.Fake.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Start.AddSeconds(30), clock.GetUtcNow());
    }

    [Fact]
    public async Task ReadAsync_ReturnsARecordProducedWhileWaiting_WhenItFillsTheBatch()
    {
        var clock = new ObservedClock(Start);
        var clocked = new LocalEventStream(folder.Path, clock);
        using var consumer = clocked.CreateConsumer(Group("g", "arrivals"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 1, MaxWait = TimeSpan.FromSeconds(30), StopAtEnd = false }, CancellationToken.None);
        await clock.TimerArmedAsync();
        await ProduceAsync(clocked, "arrivals", Text("late"));
        clock.Fake.Advance(LocalStreamConsumer.PollInterval);

        Assert.Equal("late", TextOf(Assert.Single(await read.WaitAsync(TimeSpan.FromSeconds(10)))));
        Assert.True(clock.GetUtcNow() < Start.AddSeconds(1));
    }

    [Fact]
    public async Task ReadAsync_KeepsFillingTheBatchUntilMaxWait_WhenStopAtEndIsOff()
    {
        var clock = new ObservedClock(Start);
        var clocked = new LocalEventStream(folder.Path, clock);
        await ProduceAsync(clocked, "trickle", Text("first"));
        using var consumer = clocked.CreateConsumer(Group("g", "trickle"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 100, MaxWait = TimeSpan.FromSeconds(1), StopAtEnd = false }, CancellationToken.None);
        await clock.TimerArmedAsync();
        await ProduceAsync(clocked, "trickle", Text("second"));
        clock.Fake.Advance(TimeSpan.FromMilliseconds(500));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromMilliseconds(500));

        Assert.Equal(["first", "second"], (await read.WaitAsync(TimeSpan.FromSeconds(10))).Select(TextOf));
    }

    [Fact]
    public async Task ReadAsync_StopsAtTheEnd_WhenStopAtEndIsOnAndFewerRecordsThanMaxExist()
    {
        await ProduceAsync(stream, "short", Texts("s", 3));
        using var consumer = stream.CreateConsumer(Group("g", "short"));

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 100, MaxWait = TimeSpan.FromHours(1) }, CancellationToken.None);

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal(3, (await read).Count);
    }

    [Fact]
    public async Task ReadAsync_Throws_WhenCancelledWhileWaiting()
    {
        using var consumer = stream.CreateConsumer(Group("g", "idle"));
        using var cancel = new CancellationTokenSource();

        var read = consumer.ReadAsync(new BatchLimits { MaxMessages = 1, MaxWait = TimeSpan.FromHours(1), StopAtEnd = false }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(2_345L)]
    [InlineData(4_000L)]
    [InlineData(5_998L)]
    [InlineData(5_999L)]
    public async Task Seek_ReadsFromTheOffset_WhenTheLogIsLargerThanTheSearchWindow(long offset)
    {
        // Values of varying length, so lines have different sizes and the search cannot compute positions.
        var messages = Enumerable.Range(0, 6000).Select(i => Text($"{i}:" + new string('v', i % 97))).ToArray();
        await ProduceAsync(stream, "big", messages);
        using var consumer = stream.CreateConsumer(Group("g", "big"));

        consumer.Seek("big", 0, offset);
        var batch = await consumer.ReadAsync(UpTo(3), CancellationToken.None);

        Assert.Equal(Enumerable.Range((int)offset, (int)Math.Min(3, 6000 - offset)).Select(i => (long)i), batch.Select(m => m.Offset));
        Assert.All(batch, m => Assert.StartsWith($"{m.Offset}:", TextOf(m)));
    }

    [Fact]
    public async Task ReadAsync_StartsAtTheCommittedRecordOfALargeLog_WhenTheGroupCommittedMidway()
    {
        await ProduceAsync(stream, "big", Enumerable.Range(0, 5000).Select(i => Text($"{i}:" + new string('w', i % 31))).ToArray());
        using (var consumer = stream.CreateConsumer(Group("g", "big")))
        {
            await consumer.CommitAsync([new PartitionRange("big", 0, 0, 3_210)], CancellationToken.None);
        }

        using var resumed = stream.CreateConsumer(Group("g", "big"));

        Assert.Equal(3_211, (await resumed.ReadAsync(UpTo(1), CancellationToken.None))[0].Offset);
    }

    [Fact]
    public async Task ReadAsync_ReadsRecordsLargerThanItsBuffer_WhenSeekingAmongThem()
    {
        // 100 KB lines: longer than the read buffer and than the search's linear window.
        var large = Enumerable.Range(0, 20).Select(i => Text($"{i}:" + new string((char)('a' + i), 100_000))).ToArray();
        await ProduceAsync(stream, "large", large);
        using var consumer = stream.CreateConsumer(Group("g", "large"));

        consumer.Seek("large", 0, 13);
        var fromThirteen = await consumer.ReadAsync(UpTo(2), CancellationToken.None);
        consumer.Seek("large", 0, 0);
        var all = await consumer.ReadAsync(UpTo(100), CancellationToken.None);

        Assert.Equal([13L, 14], fromThirteen.Select(m => m.Offset));
        Assert.Equal(large.Select(m => m.Value), all.Select(m => m.Value));
    }

    [Fact]
    public async Task Seek_ReadsNothingUntilTheOffsetExists_WhenOffsetIsPastTheEnd()
    {
        await ProduceAsync(stream, "ahead", Texts("a", 3));
        using var consumer = stream.CreateConsumer(Group("g", "ahead"));

        consumer.Seek("ahead", 0, 5);
        var before = await consumer.ReadAsync(UpTo(10), CancellationToken.None);
        await ProduceAsync(stream, "ahead", Texts("b", 4));
        var after = await consumer.ReadAsync(UpTo(10), CancellationToken.None);

        Assert.Empty(before);
        Assert.Equal([5L, 6], after.Select(m => m.Offset));
    }

    [Fact]
    public async Task Seek_ThrowsStreamException_WhenTheConsumerDoesNotReadThePartition()
    {
        using var consumer = stream.CreateConsumer(Group("g", "orders"));

        Assert.Throws<StreamException>(() => consumer.Seek("orders", 1, 0));
        Assert.Throws<StreamException>(() => consumer.Seek("payments", 0, 0));
        await Assert.ThrowsAsync<StreamException>(() => consumer.CommitAsync([new PartitionRange("payments", 0, 0, 0)], CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_ReadsEveryTopic_WhenTheConsumerHasSeveral()
    {
        await ProduceAsync(stream, "a", Texts("a", 3));
        await ProduceAsync(stream, "b", Texts("b", 2));
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "g", Topics = ["a", "b"] });

        var batch = await consumer.ReadAsync(UpTo(100), CancellationToken.None);
        await consumer.CommitAsync(PartitionRange.Of(batch), CancellationToken.None);

        Assert.Equal(["a-0", "a-1", "a-2", "b-0", "b-1"], batch.Select(TextOf).Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<(string, int), long> { [("a", 0)] = 3, [("b", 0)] = 2 }, await consumer.CommittedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_ReadsEveryRecordForEachGroup_WhenGroupsDiffer()
    {
        await ProduceAsync(stream, "orders", Texts("o", 4));
        using var billing = stream.CreateConsumer(Group("billing", "orders"));
        using var audit = stream.CreateConsumer(Group("audit", "orders"));

        Assert.Equal(4, (await billing.ReadAsync(UpTo(10), CancellationToken.None)).Count);
        Assert.Equal(4, (await audit.ReadAsync(UpTo(10), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ReadAsync_ReadsNothing_WhileAnotherConsumerHoldsTheGroup()
    {
        var clock = new ObservedClock(Start);
        var clocked = new LocalEventStream(folder.Path, clock);
        await ProduceAsync(clocked, "orders", Texts("o", 5));
        var first = clocked.CreateConsumer(Group("billing", "orders"));
        var firstBatch = await first.ReadAsync(UpTo(2), CancellationToken.None);
        await first.CommitAsync(PartitionRange.Of(firstBatch), CancellationToken.None);
        using var second = clocked.CreateConsumer(Group("billing", "orders"));

        var waiting = second.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(5));
        var whileHeld = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(first.OwnsPartitions);
        Assert.False(second.OwnsPartitions);
        Assert.Empty(whileHeld);
        await Assert.ThrowsAsync<StreamException>(() => second.CommitAsync([new PartitionRange("orders", 0, 0, 4)], CancellationToken.None));

        first.Dispose();
        var afterRelease = await second.ReadAsync(UpTo(10), CancellationToken.None);

        Assert.True(second.OwnsPartitions);
        Assert.Equal([2L, 3, 4], afterRelease.Select(m => m.Offset));
    }

    [Fact]
    public async Task ReadAsync_GetsThePartitionWhileWaiting_WhenTheHolderIsDisposedDuringTheWait()
    {
        var clock = new ObservedClock(Start);
        var clocked = new LocalEventStream(folder.Path, clock);
        await ProduceAsync(clocked, "orders", Texts("o", 3));
        var first = clocked.CreateConsumer(Group("billing", "orders"));
        using var second = clocked.CreateConsumer(Group("billing", "orders"));

        var waiting = second.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        await clock.TimerArmedAsync();
        first.Dispose();
        clock.Fake.Advance(LocalStreamConsumer.PollInterval);

        Assert.Equal(3, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Count);
    }

    [Theory]
    [InlineData("team/etl")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("Grüße 🚀")]
    [InlineData("percent%41")]
    public async Task CommitAsync_KeepsTheGroupsOffsets_WhenTheGroupIdIsNoFileName(string group)
    {
        await ProduceAsync(stream, "orders", Texts("o", 3));
        using (var consumer = stream.CreateConsumer(Group(group, "orders")))
        {
            await consumer.CommitAsync([new PartitionRange("orders", 0, 0, 1)], CancellationToken.None);
        }

        using var other = stream.CreateConsumer(Group(group.ToUpperInvariant() + "-other", "orders"));
        using var same = stream.CreateConsumer(Group(group, "orders"));

        Assert.Equal(2, (await same.CommittedAsync(CancellationToken.None))[("orders", 0)]);
        Assert.Empty(await other.CommittedAsync(CancellationToken.None));
        var groups = Path.Combine(folder.Path, "orders", "_groups");
        Assert.Empty(Directory.EnumerateDirectories(groups));
        Assert.Equal(3, Directory.EnumerateFiles(groups).Count());
    }

    [Fact]
    public async Task CommitAsync_WritesTheGroupFileNextToTheLog_WhenCommitting()
    {
        await ProduceAsync(stream, "orders", Texts("o", 3));
        using var consumer = stream.CreateConsumer(Group("billing", "orders"));

        await consumer.CommitAsync([new PartitionRange("orders", 0, 0, 2)], CancellationToken.None);

        var groups = Path.Combine(folder.Path, "orders", "_groups");
        Assert.Equal(["billing.json", "billing.lock"], Directory.EnumerateFiles(groups).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("\"offsets\": {\n    \"0\": 3\n  }", (await File.ReadAllTextAsync(Path.Combine(groups, "billing.json"))).ReplaceLineEndings("\n"));
    }
}
