using Microsoft.Extensions.Logging;
using Orchestrator.Connections;

namespace Orchestrator.Streams.Kafka;

/// <summary>A Kafka cluster through Confluent.Kafka; the connection's settings are librdkafka properties.</summary>
public sealed class KafkaEventStream(Connection connection, TimeProvider time, ILogger<KafkaEventStream> logger) : IEventStream
{
    public IStreamProducer CreateProducer(ProducerSettings settings) => throw new NotImplementedException($"{connection}{time}{logger}");

    public IStreamConsumer CreateConsumer(ConsumerSettings settings) => throw new NotImplementedException();
}
