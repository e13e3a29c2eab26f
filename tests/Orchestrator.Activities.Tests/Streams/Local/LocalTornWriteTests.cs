using System.Text;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Local;
using Orchestrator.Activities.Tests.Support;
using static Orchestrator.Activities.Tests.Streams.Local.LocalLogHelpers;

namespace Orchestrator.Activities.Tests.Streams.Local;

/// <summary>A writer that dies in the middle of a batch leaves a last line without its newline.</summary>
public sealed class LocalTornWriteTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly LocalEventStream stream;

    public LocalTornWriteTests() => stream = new LocalEventStream(folder.Path, TimeProvider.System);

    private string LogPath => Path.Combine(folder.Path, "orders", "0.jsonl");

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> TornTails => new()
    {
        "{\"offset\":3,\"timestamp\":\"2026-03-01T08:0",
        "{\"offset\":3,\"timestamp\":\"2026-03-01T08:00:00Z\",\"key\":null,\"headers\":{},\"value\":\"o-3\"}",
        "{",
        "\0\0\0\0\0\0\0\0",
    };

    [Theory]
    [MemberData(nameof(TornTails))]
    public async Task ReadAsync_IgnoresTheTornLastLine_WhenAWriterDiedMidLine(string tail)
    {
        await ProduceAsync(stream, "orders", Texts("o", 3));
        await File.AppendAllTextAsync(LogPath, tail);

        var records = await ReadAllAsync(stream, "orders");

        Assert.Equal(["o-0", "o-1", "o-2"], records.Select(TextOf));
    }

    [Theory]
    [MemberData(nameof(TornTails))]
    public async Task ProduceAsync_TruncatesTheTornLastLineAndContinuesTheOffsets_WhenAWriterDiedMidLine(string tail)
    {
        await ProduceAsync(stream, "orders", Texts("o", 3));
        var intact = await File.ReadAllBytesAsync(LogPath);
        await File.AppendAllTextAsync(LogPath, tail);
        using var producer = stream.CreateProducer(new ProducerSettings());

        var range = await producer.ProduceAsync("orders", [Text("after")], CancellationToken.None);

        Assert.Equal(new PartitionRange("orders", 0, 3, 3), Assert.Single(range));
        var log = await File.ReadAllBytesAsync(LogPath);
        Assert.True(log.AsSpan().StartsWith(intact));
        Assert.StartsWith("{\"offset\":3,", Encoding.UTF8.GetString(log[intact.Length..]));
        Assert.Equal(["o-0", "o-1", "o-2", "after"], (await ReadAllAsync(stream, "orders")).Select(TextOf));
    }

    [Fact]
    public async Task ProduceAsync_LogsAWarningWithTheRemovedBytes_WhenItRepairsATornWrite()
    {
        await ProduceAsync(stream, "orders", Texts("o", 1));
        await File.AppendAllTextAsync(LogPath, "{\"offset\":1,");
        var logger = new WarningLogger();

        await ProduceAsync(new LocalEventStream(folder.Path, TimeProvider.System, logger), "orders", Text("x"));

        Assert.Equal($"Local event log {LogPath}: removed 12 bytes of a torn write after the last complete record; the next offset is 1", Assert.Single(logger.Warnings));
    }

    [Fact]
    public async Task ProduceAsync_StartsAtOffsetZero_WhenTheOnlyLineIsTorn()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        await File.WriteAllTextAsync(LogPath, "{\"offset\":0,\"times");

        using var producer = stream.CreateProducer(new ProducerSettings());
        var range = await producer.ProduceAsync("orders", [Text("first")], CancellationToken.None);

        Assert.Equal(0, Assert.Single(range).FirstOffset);
        Assert.Equal(["first"], (await ReadAllAsync(stream, "orders")).Select(TextOf));
    }

    [Fact]
    public async Task ReadAsync_ReadsTheRecordsWrittenOverATornLine_WhenTheConsumerWaitedAtIt()
    {
        await ProduceAsync(stream, "orders", Texts("o", 2));
        using var consumer = stream.CreateConsumer(Group("g", "orders"));
        Assert.Equal(2, (await consumer.ReadAsync(UpTo(10), CancellationToken.None)).Count);
        await File.AppendAllTextAsync(LogPath, "{\"offset\":2,\"timestamp\":\"2026-03-01T08:00:00Z\",\"key\":null,\"headers\":{},\"value\":\"lost-but-longer-than-the-next\"");
        Assert.Empty(await consumer.ReadAsync(UpTo(10), CancellationToken.None));

        await ProduceAsync(stream, "orders", Text("n"), Text("m"));

        Assert.Equal(["n", "m"], (await consumer.ReadAsync(UpTo(10), CancellationToken.None)).Select(TextOf));
    }

    [Fact]
    public async Task ReadAsync_ThrowsStreamException_WhenACompleteLineIsNotARecord()
    {
        await ProduceAsync(stream, "orders", Texts("o", 2));
        await File.AppendAllTextAsync(LogPath, "not json\n");
        using var consumer = stream.CreateConsumer(Group("g", "orders"));

        var error = await Assert.ThrowsAsync<StreamException>(() => consumer.ReadAsync(UpTo(10), CancellationToken.None));

        Assert.Contains("corrupt", error.Message);
        Assert.Contains("0.jsonl", error.Message);
    }

    [Fact]
    public async Task ProduceAsync_ThrowsStreamException_WhenTheLastCompleteLineIsNotARecord()
    {
        await ProduceAsync(stream, "orders", Texts("o", 2));
        await File.AppendAllTextAsync(LogPath, "[1,2]\n");

        using var producer = stream.CreateProducer(new ProducerSettings());
        var error = await Assert.ThrowsAsync<StreamException>(() => producer.ProduceAsync("orders", [Text("x")], CancellationToken.None));

        Assert.Contains("next offset is unknown", error.Message);
    }

    private sealed class WarningLogger : ILogger<LocalEventStream>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
