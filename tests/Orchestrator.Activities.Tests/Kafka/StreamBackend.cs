using Orchestrator.Activities.Tests.Support;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Kafka;

/// <summary>The two backends of the <c>events</c> connection the same workflows run on: the local log and Kafka (librdkafka's mock cluster).</summary>
public enum StreamBackend
{
    Local,
    Kafka,
}

/// <summary>One mock cluster for the test assembly; each test uses its own topics and groups.</summary>
public sealed class KafkaClusterFixture : IDisposable
{
    private readonly Lazy<KafkaMockCluster> _cluster = new(() => KafkaMockCluster.Start());

    public KafkaMockCluster Cluster => _cluster.Value;

    /// <summary>A harness whose <c>events</c> connection is <paramref name="backend"/>; for Kafka the topic is created with <paramref name="partitions"/>.</summary>
    public WorkflowHarness Harness(StreamBackend backend, string topic, int partitions = 3)
    {
        if (backend == StreamBackend.Local)
        {
            return new WorkflowHarness();
        }

        Cluster.CreateTopic(topic, partitions);
        return new WorkflowHarness(new Dictionary<string, string?> { ["Orchestrator:Connections:events:uri"] = $"kafka://{Cluster.BootstrapServers}" });
    }

    public void Dispose()
    {
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaClusterFixture>
{
    public const string Name = "kafka";
}
