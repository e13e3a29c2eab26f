using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Connections;
using Orchestrator.Server.Tests.Support;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Triggers;

/// <summary>
/// A workflow triggered from Kafka: the connection <c>events</c> points at librdkafka's mock cluster (the real protocol
/// on loopback ports), the topic has three partitions, and every record lands in exactly one run's batch file.
/// </summary>
public sealed class TriggerKafkaTests : IDisposable
{
    private readonly TriggerHarness _h = new();
    private readonly KafkaMockCluster _cluster = KafkaMockCluster.Start();

    public void Dispose()
    {
        _h.Dispose();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Trigger_StartsOneRunPerBatch_OverAKafkaTopicOfThreePartitions()
    {
        _cluster.CreateTopic(TriggerHarness.Topic, partitions: 3);
        await _h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 10));
        await using var server = await TestServer.StartAsync(_h.Root, settings: new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:events:uri"] = $"kafka://{_cluster.BootstrapServers}",
            ["Orchestrator:Triggers:RetryDelay"] = "00:00:00.100",
            ["Orchestrator:Triggers:MaxRetryDelay"] = "00:00:01",
        });
        var connection = server.Services.GetRequiredService<ConnectionCatalog>().Get("events");
        Assert.Equal(ConnectionTypes.Kafka, connection.Type);

        using (var producer = server.Services.GetRequiredService<IEventStreamFactory>().Open(connection).CreateProducer(new ProducerSettings()))
        {
            var ranges = await producer.ProduceAsync(TriggerHarness.Topic, TriggerHarness.Records(0, 30), CancellationToken.None);
            Assert.True(ranges.Count > 1, $"the records went to one partition only: {string.Join(", ", ranges)}");
            await producer.ProduceAsync(TriggerHarness.Topic, TriggerHarness.Records(30, 30), CancellationToken.None);
        }

        await server.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(server.Client, 60), () => "60 records launched and their runs ended");

        var runs = await TriggerHarness.RunsAsync(server.Client);
        _h.AssertExactlyOnce(runs, 60, onePartition: false);
        Assert.All(runs, r => Assert.InRange((int)r["trigger"]!["count"]!, 1, 10));
        foreach (var run in runs)
        {
            await TriggerHarness.AssertReportedAsync(server.Client, run);
        }
    }
}
