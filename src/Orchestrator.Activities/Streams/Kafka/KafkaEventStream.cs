using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// A Kafka cluster through Confluent.Kafka. The connection's settings are librdkafka properties and are passed through
/// as they are; the producer and consumer settings of the caller are applied over them.
/// </summary>
public sealed class KafkaEventStream(Connection connection, TimeProvider time, ILogger<KafkaEventStream> logger) : IEventStream
{
    public IStreamProducer CreateProducer(ProducerSettings settings)
    {
        var config = ProducerConfigOf(connection, settings);
        return Build(() => new KafkaStreamProducer(config, connection.ToString(), logger), "producer");
    }

    public IStreamConsumer CreateConsumer(ConsumerSettings settings)
    {
        var config = ConsumerConfigOf(connection, settings);
        return Build(() => new KafkaStreamConsumer(config, settings, connection.ToString(), time, logger), "consumer");
    }

    /// <summary>The producer's librdkafka configuration: the connection's settings, then <paramref name="settings"/>.</summary>
    internal static ProducerConfig ProducerConfigOf(Connection connection, ProducerSettings settings)
    {
        var acks = settings.Acks.ToLowerInvariant() switch
        {
            "all" or "-1" => Acks.All,
            "leader" or "1" => Acks.Leader,
            "none" or "0" => Acks.None,
            _ => throw new StreamException($"acks '{settings.Acks}' is not one of all, leader, none"),
        };
        if (settings.Idempotent && acks != Acks.All)
        {
            throw new StreamException($"an idempotent producer needs acks 'all', not '{settings.Acks}'");
        }

        var compression = settings.Compression.ToLowerInvariant() switch
        {
            "none" => CompressionType.None,
            "gzip" => CompressionType.Gzip,
            "snappy" => CompressionType.Snappy,
            "lz4" => CompressionType.Lz4,
            "zstd" => CompressionType.Zstd,
            _ => throw new StreamException($"compression '{settings.Compression}' is not one of none, gzip, snappy, lz4, zstd"),
        };
        if (settings.Linger < TimeSpan.Zero || settings.BatchSize < 1)
        {
            throw new StreamException($"linger must not be negative and the batch size must be at least 1 (got {settings.Linger}, {settings.BatchSize})");
        }

        var config = new ProducerConfig(ClientSettings(connection))
        {
            Acks = acks,
            EnableIdempotence = settings.Idempotent,
            CompressionType = compression,
            LingerMs = settings.Linger.TotalMilliseconds,
            BatchNumMessages = settings.BatchSize,
            // Reports carry partition, offset and error; copying keys and values back would only cost time.
            DeliveryReportFields = "none",
        };

        ConnectUpFront(connection, config);
        return config;
    }

    /// <summary>
    /// librdkafka (since 2.10) drops its bootstrap connections once it has learned the brokers, and then holds back
    /// its next connection to "any" broker for half of reconnect.backoff.ms: a producer's id and the topic's partition
    /// leaders, a consumer's group coordinator, all asked of any broker, wait about 50 ms each time. Clients connect
    /// to the cluster's brokers as they learn them instead, unless the connection says otherwise.
    /// </summary>
    private static void ConnectUpFront(Connection connection, ClientConfig config)
    {
        if (!connection.Settings.ContainsKey("enable.sparse.connections"))
        {
            config.Set("enable.sparse.connections", "false");
        }
    }

    /// <summary>
    /// The consumer's configuration: the connection's settings, then the group, manual commits, end-of-partition
    /// events; the KIP-848 group protocol and a 100 ms fetch wait unless the connection sets them (brokers before
    /// Kafka 4.0 need <c>group.protocol=classic</c>).
    /// </summary>
    internal static ConsumerConfig ConsumerConfigOf(Connection connection, ConsumerSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Group))
        {
            throw new StreamException("a consumer needs a group");
        }

        if (settings.Topics.Count == 0 || settings.Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new StreamException("a consumer needs at least one topic, and topic names cannot be empty");
        }

        var config = new ConsumerConfig(ClientSettings(connection))
        {
            GroupId = settings.Group,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            // Committed: partitions the group never committed start at their beginning. Earliest and Latest are
            // applied when partitions are assigned (the consumer's own start, whatever was committed).
            AutoOffsetReset = settings.Start == StartPosition.Latest ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
        };
        if (!connection.Settings.ContainsKey("group.protocol"))
        {
            config.GroupProtocol = GroupProtocol.Consumer;
        }

        // A partition's end is reported by the first fetch that comes back empty, which the broker holds for up to
        // this long; Kafka's 500 ms would add half a second to every read that stops at the end.
        if (!connection.Settings.ContainsKey("fetch.wait.max.ms"))
        {
            config.FetchWaitMaxMs = 100;
        }

        // Once a partition's prefetched records pass librdkafka's queue thresholds, its next fetch waits this long;
        // librdkafka's 1 s left a batch read of a busy topic idle for most of its time (about 1.4 s against 0.5 s
        // for 200,000 records), while 50 ms costs no measurable processor time.
        if (!connection.Settings.ContainsKey("fetch.queue.backoff.ms"))
        {
            config.FetchQueueBackoffMs = 50;
        }

        // Confluent.Kafka decodes the topic's name into a new string for every record; with one topic it is known.
        if (settings.Topics.Count == 1 && !connection.Settings.ContainsKey("dotnet.consumer.consume.result.fields"))
        {
            config.ConsumeResultFields = "headers,timestamp";
        }

        ConnectUpFront(connection, config);
        return config;
    }

    private static Dictionary<string, string> ClientSettings(Connection connection)
    {
        if (connection.Get("bootstrap.servers") is not { Length: > 0 })
        {
            throw new StreamException($"connection {connection} has no 'bootstrap.servers' setting");
        }

        var settings = new Dictionary<string, string>(connection.Settings, StringComparer.Ordinal);
        settings.TryAdd("client.id", "orchestrator");
        return settings;
    }

    private T Build<T>(Func<T> build, string what)
    {
        try
        {
            KafkaNativeLibrary.EnsureLoaded();
            return build();
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException or DllNotFoundException)
        {
            throw new StreamException($"cannot create a Kafka {what} for connection {connection}: {e.Message}", e);
        }
    }
}
