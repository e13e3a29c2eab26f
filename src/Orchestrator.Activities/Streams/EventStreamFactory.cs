using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Activities.Streams.Local;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Streams;

/// <summary>Opens a connection's event stream: a Kafka cluster, or the local log in the data directory.</summary>
public sealed class EventStreamFactory(DataDirectory data, TimeProvider time, ILoggerFactory loggers) : IEventStreamFactory
{
    public static IReadOnlyList<string> Types { get; } = [ConnectionTypes.Kafka, ConnectionTypes.Local];

    public IEventStream Open(Connection connection) => connection.Type switch
    {
        ConnectionTypes.Kafka => new KafkaEventStream(connection, time, loggers.CreateLogger<KafkaEventStream>()),
        ConnectionTypes.Local => new LocalEventStream(LocalEventStream.RootOf(connection, data), time, loggers.CreateLogger<LocalEventStream>()),
        _ => throw new ActivityFailedException($"connection '{connection.Name}' is a {connection.Type} connection, not an event stream (kafka or local)"),
    };
}
