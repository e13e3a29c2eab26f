using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>What reaches librdkafka: the connection's settings as they are, the caller's settings over them.</summary>
public sealed class KafkaConfigurationTests
{
    private static Connection Kafka(params (string Key, string Value)[] settings)
        => new("events", ConnectionTypes.Kafka, settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void ProducerConfigOf_PassesTheConnectionThroughAndAppliesTheProducerSettings_WhenBothAreGiven()
    {
        var connection = Kafka(("bootstrap.servers", "b1:9092,b2:9092"), ("security.protocol", "SASL_SSL"), ("sasl.password", "hunter2"), ("compression.type", "gzip"));
        var settings = new ProducerSettings { Acks = "leader", Idempotent = false, Compression = "zstd", Linger = TimeSpan.FromMilliseconds(20), BatchSize = 500 };

        var config = KafkaEventStream.ProducerConfigOf(connection, settings);

        Assert.Equal("b1:9092,b2:9092", config.BootstrapServers);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
        Assert.Equal("hunter2", config.SaslPassword);
        Assert.Equal(Acks.Leader, config.Acks);
        Assert.False(config.EnableIdempotence);
        Assert.Equal(CompressionType.Zstd, config.CompressionType);
        Assert.Equal(20, config.LingerMs);
        Assert.Equal(500, config.BatchNumMessages);
        Assert.Equal("orchestrator", config.ClientId);
    }

    [Fact]
    public void ProducerConfigOf_UsesAllAcksAndIdempotence_ByDefault()
    {
        var config = KafkaEventStream.ProducerConfigOf(Kafka(("bootstrap.servers", "b1:9092"), ("client.id", "etl")), new ProducerSettings());

        Assert.Equal(Acks.All, config.Acks);
        Assert.True(config.EnableIdempotence);
        Assert.Equal(CompressionType.None, config.CompressionType);
        Assert.Equal(5, config.LingerMs);
        Assert.Equal(10_000, config.BatchNumMessages);
        Assert.Equal("etl", config.ClientId);
        Assert.Equal("false", config.Get("enable.sparse.connections"));
    }

    [Fact]
    public void ProducerConfigOf_KeepsTheConnectionsSparseConnections_WhenTheConnectionSetsThem()
    {
        var config = KafkaEventStream.ProducerConfigOf(Kafka(("bootstrap.servers", "b1:9092"), ("enable.sparse.connections", "true")), new ProducerSettings());

        Assert.Equal("true", config.Get("enable.sparse.connections"));
    }

    [Theory]
    [InlineData("leader", true, "zstd", "an idempotent producer needs acks 'all'")]
    [InlineData("most", false, "none", "acks 'most' is not one of all, leader, none")]
    [InlineData("all", true, "brotli", "compression 'brotli' is not one of none, gzip, snappy, lz4, zstd")]
    public void ProducerConfigOf_ThrowsNamingTheSetting_WhenSettingsContradictOrAreUnknown(string acks, bool idempotent, string compression, string expected)
    {
        var failure = Assert.Throws<StreamException>(() => KafkaEventStream.ProducerConfigOf(
            Kafka(("bootstrap.servers", "b1:9092")), new ProducerSettings { Acks = acks, Idempotent = idempotent, Compression = compression }));

        Assert.StartsWith(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsumerConfigOf_CommitsOnlyWhenToldAndUsesTheConsumerGroupProtocol_ByDefault()
    {
        var config = KafkaEventStream.ConsumerConfigOf(Kafka(("bootstrap.servers", "b1:9092")), new ConsumerSettings { Group = "etl", Topics = ["events"] });

        Assert.Equal("etl", config.GroupId);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.True(config.EnablePartitionEof);
        Assert.Equal(GroupProtocol.Consumer, config.GroupProtocol);
        Assert.Equal(AutoOffsetReset.Earliest, config.AutoOffsetReset);
        Assert.Equal(100, config.FetchWaitMaxMs);
        Assert.Equal(50, config.FetchQueueBackoffMs);
        Assert.Equal("false", config.Get("enable.sparse.connections"));
    }

    [Fact]
    public void ConsumerConfigOf_KeepsTheConnectionsGroupProtocolAndFetchWaits_WhenTheConnectionSetsThem()
    {
        var connection = Kafka(
            ("bootstrap.servers", "b1:9092"), ("group.protocol", "classic"), ("fetch.wait.max.ms", "500"), ("fetch.queue.backoff.ms", "1000"),
            ("enable.sparse.connections", "true"));

        var config = KafkaEventStream.ConsumerConfigOf(connection, new ConsumerSettings { Group = "etl", Topics = ["events"], Start = StartPosition.Latest });

        Assert.Equal(GroupProtocol.Classic, config.GroupProtocol);
        Assert.Equal(500, config.FetchWaitMaxMs);
        Assert.Equal(1000, config.FetchQueueBackoffMs);
        Assert.Equal("true", config.Get("enable.sparse.connections"));
        Assert.Equal(AutoOffsetReset.Latest, config.AutoOffsetReset);
    }

    [Fact]
    public void CreateProducer_FailsShowingOnlyTheMaskedConnection_WhenASettingIsNotALibrdkafkaProperty()
    {
        var stream = new KafkaEventStream(
            Kafka(("bootstrap.servers", "127.0.0.1:1"), ("sasl.password", "hunter2"), ("no.such.property", "1")),
            TimeProvider.System,
            NullLogger<KafkaEventStream>.Instance);

        var failure = Assert.Throws<StreamException>(() => stream.CreateProducer(new ProducerSettings()));

        Assert.Contains("no.such.property", failure.Message, StringComparison.Ordinal);
        Assert.Contains("sasl.password=***", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateProducer_Fails_WhenTheConnectionAsksForReportsOfFailuresOnly()
    {
        var stream = new KafkaEventStream(
            Kafka(("bootstrap.servers", "127.0.0.1:1"), ("delivery.report.only.error", "true")), TimeProvider.System, NullLogger<KafkaEventStream>.Instance);

        var failure = Assert.Throws<StreamException>(() => stream.CreateProducer(new ProducerSettings()));

        Assert.Contains("delivery.report.only.error is not supported", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateConsumer_Fails_WhenTheConnectionHasNoBootstrapServers()
    {
        var stream = new KafkaEventStream(Kafka(("security.protocol", "SSL")), TimeProvider.System, NullLogger<KafkaEventStream>.Instance);

        var failure = Assert.Throws<StreamException>(() => stream.CreateConsumer(new ConsumerSettings { Group = "etl", Topics = ["events"] }));

        Assert.Equal("connection events (kafka: security.protocol=SSL) has no 'bootstrap.servers' setting", failure.Message);
    }
}
