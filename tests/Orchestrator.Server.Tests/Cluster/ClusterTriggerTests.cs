using Orchestrator.Server.Tests.Triggers;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// Two server processes on one PostgreSQL database and one data directory, both running the trigger of a workflow on
/// the local event log: one holds the consumer group, and when it is killed (SIGKILL: wherever it was, between writing
/// a batch file, creating its run and committing) the other takes the group over. Every record is in exactly one
/// run's batch file.
/// </summary>
public sealed class ClusterTriggerTests
{
    [Fact]
    public async Task KilledConsumer_TheOtherNodeTakesOver_AndEveryRecordIsInExactlyOneBatch()
    {
        await using var cluster = await NodeCluster.CreateAsync();
        using var h = new TriggerHarness(Path.GetDirectoryName(cluster.DataDirectory)!);
        await h.WriteWorkflowAsync(TriggerHarness.Definition(batchSize: 5));
        var a = cluster.Start("node-a");
        var b = cluster.Start("node-b");
        await Task.WhenAll(a.WaitUntilReadyAsync(NodeCluster.Patience), b.WaitUntilReadyAsync(NodeCluster.Patience));

        // Both run the trigger; one consumes.
        await cluster.WaitUntilAsync(async () => await ConsumingAsync(a) != await ConsumingAsync(b), "one node consuming the group");
        var (consumer, other) = await ConsumingAsync(a) ? (a, b) : (b, a);
        Assert.True((bool)(await other.GetAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/triggers"))[0]!["running"]!);

        await h.ProduceAsync(0, 40);
        await cluster.WaitUntilAsync(async () => (await TriggerHarness.RunsAsync(a.Client)).Count >= 2, "two batches launched");

        // Kill the consumer while records keep coming: the other node takes the group over and gets the rest.
        var producing = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await h.ProduceAsync(40 + (i * 3), 3);
                await Task.Delay(10);
            }
        });
        await consumer.KillAsync();
        await producing;
        await cluster.WaitUntilAsync(() => ConsumingAsync(other), $"{other.Name} consuming after {consumer.Name} was killed");
        await cluster.WaitUntilAsync(() => TriggerHarness.AllLaunchedAndEndedAsync(other.Client, 100), $"100 records launched and their runs ended on {other.Name}");

        h.AssertExactlyOnce(await TriggerHarness.RunsAsync(other.Client), 100);
    }

    private static async Task<bool> ConsumingAsync(ServerNode node)
        => (bool)(await node.GetAsync($"/api/v1/workflows/{TriggerHarness.Workflow}/triggers"))[0]!["consuming"]!;
}
