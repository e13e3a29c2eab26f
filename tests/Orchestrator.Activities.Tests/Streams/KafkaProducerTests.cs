using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Testing;
using Xunit.Abstractions;
using static Orchestrator.Activities.Tests.Support.KafkaTestBed;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>Producing to the mock cluster: where records land, what comes back, and how failed deliveries read.</summary>
public sealed class KafkaProducerTests(ITestOutputHelper output) : IDisposable
{
    private readonly KafkaTestBed _kafka = new(output);

    [Fact]
    public async Task ReadAsync_ReturnsKeysValuesHeadersTimestampsAtTheProducedOffsets_WhenABatchIsReadBack()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 3);
        var stamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var sent = Enumerable.Range(0, 30).Select(i => new OutgoingMessage(
            Key: i % 5 == 0 ? null : $"key-{i % 7}",
            Value: Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"),
            Headers: new Dictionary<string, string> { ["source"] = "test", ["n"] = i.ToString(CultureInfo.InvariantCulture) },
            Timestamp: stamp.AddSeconds(i))).ToArray();
        var stream = _kafka.Stream();

        var ranges = await _kafka.ProduceAsync(topic, sent, stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "readers", Topics = [topic] });
        var read = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(30, ranges.Sum(r => r.Count));
        Assert.All(ranges, r => Assert.Equal(topic, r.Topic));
        Assert.Equal(ranges, PartitionRange.Of(read)); // one range per partition, in partition order, all of it read
        Assert.Equal(30, read.Select(m => (m.Partition, m.Offset)).Distinct().Count());
        foreach (var message in read)
        {
            var original = sent[int.Parse(message.Headers["n"], CultureInfo.InvariantCulture)];
            Assert.Equal(topic, message.Topic);
            Assert.Equal(original.Key, message.Key);
            Assert.Equal(original.Value, message.Value);
            Assert.Equal(original.Headers, message.Headers);
            Assert.Equal(original.Timestamp, message.Timestamp);
        }

        // A key always lands on one partition, in the order it was sent.
        foreach (var byKey in read.Where(m => m.Key is not null).GroupBy(m => m.Key))
        {
            Assert.Single(byKey.Select(m => m.Partition).Distinct());
            var sequence = byKey.OrderBy(m => m.Offset).Select(m => int.Parse(m.Headers["n"], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(sequence.Order(), sequence);
        }
    }

    [Fact]
    public async Task ProduceAsync_FailsWithTheBrokersReasonAndCount_WhenTheBrokerRejectsTheRecords()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        _kafka.Cluster.PushRequestErrors(KafkaMockCluster.ApiKeys.Produce, [.. Enumerable.Repeat(ErrorCode.TopicAuthorizationFailed, 50)]);
        using var producer = _kafka.Stream().CreateProducer(new ProducerSettings());

        var failure = await Assert.ThrowsAsync<StreamException>(() => producer.ProduceAsync(topic, Records(5), _kafka.Token));

        Assert.Equal(
            $"5 of 5 records were not delivered to topic '{topic}' on {_kafka.Connection()}: Broker: Topic authorization failed (TopicAuthorizationFailed)",
            failure.Message);
    }

    [Fact]
    public async Task ProduceAsync_CountsOnlyTheRefusedRecord_WhenOneRecordIsOverTheMaximumSize()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();
        var records = Records(3).Append(new OutgoingMessage("big", new byte[2_000_000])).ToArray();

        var failure = await Assert.ThrowsAsync<StreamException>(() => _kafka.ProduceAsync(topic, records, stream));
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "sizes", Topics = [topic] });
        var delivered = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.StartsWith($"1 of 4 records were not delivered to topic '{topic}'", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("Message size too large (MsgSizeTooLarge)", failure.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], delivered.Select(Number));
    }

    [Fact]
    public async Task ProduceAsync_DeliversEveryRecordOnce_WhenTheBatchIsLargerThanTheProducersQueue()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 2);
        var stream = _kafka.Stream(settings: new Dictionary<string, string> { ["queue.buffering.max.messages"] = "100" });

        var ranges = await _kafka.ProduceAsync(topic, Records(1_000), stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "window", Topics = [topic] });
        var read = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(1_000, ranges.Sum(r => r.Count));
        Assert.Equal(Enumerable.Range(0, 1_000), read.Select(Number).Order());
    }

    [Fact]
    public async Task ProduceAsync_ReturnsNoRanges_WhenThereIsNothingToSend()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        using var producer = _kafka.Stream().CreateProducer(new ProducerSettings());

        Assert.Empty(await producer.ProduceAsync(topic, [], _kafka.Token));
    }

    [Fact]
    public async Task ReadAsync_ReturnsAnEmptyKeyAndValue_WhenTheyWereSentEmptyRatherThanNull()
    {
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = _kafka.Stream();

        await _kafka.ProduceAsync(topic, [new OutgoingMessage("", []), new OutgoingMessage(null, [1])], stream);
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = "empties", Topics = [topic] });
        var read = await consumer.ReadAsync(ToEnd, _kafka.Token);

        Assert.Equal(2, read.Count);
        Assert.Equal("", read[0].Key);
        Assert.Empty(read[0].Value);
        Assert.Null(read[1].Key);
        Assert.Equal([1], read[1].Value);
    }

    [Fact]
    public async Task ProduceAsync_FailsAsTimedOutAndLogsTheBrokerError_WhenNoBrokerAnswers()
    {
        var logger = new LinesLogger();
        var connection = new Connection("events", ConnectionTypes.Kafka, new Dictionary<string, string>
        {
            ["bootstrap.servers"] = "127.0.0.1:1", // nothing listens on port 1
            ["message.timeout.ms"] = "1000",
        });
        using var producer = new KafkaEventStream(connection, TimeProvider.System, logger).CreateProducer(new ProducerSettings());

        var failure = await Assert.ThrowsAsync<StreamException>(() => producer.ProduceAsync("nowhere", Records(3), _kafka.Token));

        Assert.Equal($"3 of 3 records were not delivered to topic 'nowhere' on {connection}: Local: Message timed out (Local_MsgTimedOut)", failure.Message);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.StartsWith($"Kafka client of {connection}: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProduceAsync_LogsLibrdkafkasDebugLines_WhenTheConnectionAsksForThem()
    {
        var logger = new LinesLogger();
        var topic = _kafka.Cluster.CreateUniqueTopic(partitions: 1);
        var stream = new KafkaEventStream(_kafka.Connection(new Dictionary<string, string> { ["debug"] = "eos" }), TimeProvider.System, logger);
        using var producer = stream.CreateProducer(new ProducerSettings());

        await producer.ProduceAsync(topic, Records(1), _kafka.Token);

        // The producer id is acquired before the record can be sent, so its line is logged before the record's report.
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Debug && l.Text.StartsWith("librdkafka ", StringComparison.Ordinal) && l.Text.Contains("Acquired PID", StringComparison.Ordinal));
    }

    public void Dispose() => _kafka.Dispose();

    /// <summary>Keeps what is logged.</summary>
    private sealed class LinesLogger : ILogger<KafkaEventStream>
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

        public IReadOnlyCollection<(LogLevel Level, string Text)> Lines => _lines.ToArray();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
