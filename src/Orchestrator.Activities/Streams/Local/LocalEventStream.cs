using Orchestrator.Activities;
using Orchestrator.Connections;

namespace Orchestrator.Streams.Local;

/// <summary>The embedded event log: one JSONL file per topic partition under a folder of the data directory.</summary>
public sealed class LocalEventStream(string root, TimeProvider time) : IEventStream
{
    public string Root { get; } = root;

    /// <summary>The folder of a <c>local</c> connection: its <c>path</c> setting (default <c>events</c>) inside the data directory.</summary>
    public static string RootOf(Connection connection, DataDirectory data) => data.Resolve(connection.Get("path") ?? "events");

    public IStreamProducer CreateProducer(ProducerSettings settings) => throw new NotImplementedException(time.ToString());

    public IStreamConsumer CreateConsumer(ConsumerSettings settings) => throw new NotImplementedException();
}
