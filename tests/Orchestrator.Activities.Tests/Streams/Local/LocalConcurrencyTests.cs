using System.Text;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Local;
using Orchestrator.Activities.Tests.Support;
using static Orchestrator.Activities.Tests.Streams.Local.LocalLogHelpers;

namespace Orchestrator.Activities.Tests.Streams.Local;

public sealed class LocalConcurrencyTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task ProduceAsync_GivesDenseUniqueOffsets_WhenEightProducersAppendInParallel()
    {
        var ranges = await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(() => ProduceManyAsync($"p{p}", 1000, seed: p))));

        var records = await ReadAllAsync(new LocalEventStream(folder.Path, TimeProvider.System), "shared");
        AssertDenseAndComplete(records, Enumerable.Range(0, 8).SelectMany(p => Enumerable.Range(0, 1000).Select(i => $"p{p}-{i}")));
        AssertRangesMatch(ranges.SelectMany(r => r), records);
    }

    [Fact]
    public async Task ProduceAsync_GivesDenseUniqueOffsets_WhenAnotherProcessAppendsAtTheSameTime()
    {
        await using var other = SecondProcess.Start("produce", folder.Path, "shared", "2000", "20");
        Assert.Equal("ready", await other.ReadLineAsync());

        await other.WriteLineAsync("go");
        var ours = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() => ProduceManyAsync($"p{p}", 500, seed: p))));
        Assert.Equal("done", await other.ReadLineAsync());
        Assert.Equal(0, await other.WaitForExitAsync());

        var records = await ReadAllAsync(new LocalEventStream(folder.Path, TimeProvider.System), "shared");
        AssertDenseAndComplete(records, Enumerable.Range(0, 4).SelectMany(p => Enumerable.Range(0, 500).Select(i => $"p{p}-{i}"))
            .Concat(Enumerable.Range(0, 2000).Select(i => $"other-{i}")));
        AssertRangesMatch(ours.SelectMany(r => r), records);
    }

    [Fact]
    public async Task ReadAsync_SeesEveryRecordOnceInOrder_WhileProducersAppend()
    {
        var stream = new LocalEventStream(folder.Path, TimeProvider.System);
        using var consumer = stream.CreateConsumer(Group("live", "shared"));
        var producing = Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() => ProduceManyAsync($"p{p}", 500, seed: p))));

        var seen = new List<IncomingMessage>();
        while (seen.Count < 2000)
        {
            // Reads race the appends, so some see lines still being written.
            var batch = await consumer.ReadAsync(new BatchLimits { MaxMessages = Math.Min(97, 2000 - seen.Count), MaxWait = TimeSpan.FromSeconds(10), StopAtEnd = false }, CancellationToken.None);
            Assert.NotEmpty(batch);
            seen.AddRange(batch);
        }

        await producing;
        Assert.Empty(await consumer.ReadAsync(UpTo(10), CancellationToken.None));
        AssertDenseAndComplete(seen, Enumerable.Range(0, 4).SelectMany(p => Enumerable.Range(0, 500).Select(i => $"p{p}-{i}")));
    }

    [Fact]
    public async Task ReadAsync_ReadsNothing_WhileAConsumerOfTheGroupInAnotherProcessHoldsIt()
    {
        var stream = new LocalEventStream(folder.Path, TimeProvider.System);
        await ProduceAsync(stream, "orders", Texts("o", 3));
        await using var other = SecondProcess.Start("hold-group", folder.Path, "orders", "billing");
        Assert.Equal("owns", await other.ReadLineAsync());
        using var here = stream.CreateConsumer(Group("billing", "orders"));

        var whileHeld = await here.ReadAsync(UpTo(10), CancellationToken.None);
        Assert.False(here.OwnsPartitions);
        await other.KillAsync();
        var afterCrash = await here.ReadAsync(UpTo(10), CancellationToken.None);

        Assert.Empty(whileHeld);
        Assert.True(here.OwnsPartitions);
        Assert.Equal(3, afterCrash.Count);
    }

    [Fact]
    public async Task OwnsPartitions_IsFalseInAnotherProcess_WhileThisProcessHoldsTheGroup()
    {
        using var here = new LocalEventStream(folder.Path, TimeProvider.System).CreateConsumer(Group("billing", "orders"));
        Assert.True(here.OwnsPartitions);

        await using var other = SecondProcess.Start("hold-group", folder.Path, "orders", "billing");

        Assert.Equal("does not own", await other.ReadLineAsync());
    }

    /// <summary>Produces <paramref name="count"/> records <c>prefix-i</c> through a producer of its own, in batches of 1 to 40.</summary>
    private async Task<List<PartitionRange>> ProduceManyAsync(string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var ranges = new List<PartitionRange>();
        using var producer = new LocalEventStream(folder.Path, TimeProvider.System).CreateProducer(new ProducerSettings());
        for (var sent = 0; sent < count;)
        {
            var size = Math.Min(random.Next(1, 41), count - sent);
            var batch = Enumerable.Range(sent, size).Select(i => new OutgoingMessage(prefix, Encoding.UTF8.GetBytes($"{prefix}-{i}"))).ToArray();
            ranges.AddRange(await producer.ProduceAsync("shared", batch, CancellationToken.None));
            sent += size;
        }

        return ranges;
    }

    private static void AssertDenseAndComplete(IReadOnlyList<IncomingMessage> records, IEnumerable<string> expected)
    {
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
        Assert.Equal(expected.Order(StringComparer.Ordinal), records.Select(TextOf).Order(StringComparer.Ordinal));
    }

    /// <summary>Each reported range holds exactly its batch, in the order it was sent.</summary>
    private static void AssertRangesMatch(IEnumerable<PartitionRange> ranges, IReadOnlyList<IncomingMessage> records)
    {
        foreach (var range in ranges)
        {
            var texts = records.Skip((int)range.FirstOffset).Take((int)range.Count).Select(TextOf).ToArray();
            var prefix = texts[0][..texts[0].IndexOf('-', StringComparison.Ordinal)];
            var first = int.Parse(texts[0][(prefix.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Enumerable.Range(first, (int)range.Count).Select(i => $"{prefix}-{i}"), texts);
        }
    }
}
