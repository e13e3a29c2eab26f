using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// The embedded event log, with Kafka's semantics on one partition per topic. Under the root, a folder per topic holds
/// <c>0.jsonl</c> (partition 0, one record per line, offsets dense from 0), <c>0.lock</c> (held by the appending
/// producer) and <c>_groups/</c> with each consumer group's committed offsets (<c>&lt;group&gt;.json</c>) and
/// membership lock (<c>&lt;group&gt;.lock</c>). Several processes may share the root.
/// </summary>
public sealed class LocalEventStream(string root, TimeProvider time, ILogger<LocalEventStream>? logger = null) : IEventStream
{
    public string Root { get; } = Path.GetFullPath(root);

    internal TimeProvider Time => time;

    internal ILogger Logger { get; } = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>The folder of a <c>local</c> connection: its <c>path</c> setting (default <c>events</c>) inside the data directory.</summary>
    public static string RootOf(Connection connection, DataDirectory data) => data.Resolve(connection.Get("path") ?? "events");

    /// <summary>The settings tune a Kafka client; the local log always writes uncompressed and flushes every batch to disk.</summary>
    public IStreamProducer CreateProducer(ProducerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new LocalStreamProducer(this);
    }

    public IStreamConsumer CreateConsumer(ConsumerSettings settings) => new LocalStreamConsumer(this, settings);

    /// <summary>The files of a topic; throws <see cref="StreamException"/> for a name Kafka would reject.</summary>
    internal TopicFiles FilesOf(string topic) => TopicFiles.Of(Root, topic);
}
