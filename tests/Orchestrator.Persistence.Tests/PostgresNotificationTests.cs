using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Testing;
using static Orchestrator.Persistence.Tests.Samples;

namespace Orchestrator.Persistence.Tests;

/// <summary>Two nodes on one database: work queued by one wakes the other through LISTEN/NOTIFY.</summary>
public sealed class PostgresNotificationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QueuedWork_WakesTheOtherNode_ThroughListenNotify()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("notify");
        await using var nodeA = await PostgresDatabase.OpenAsync(connection, s => s.AddSingleton(TimeProvider.System));
        await using var nodeB = await PostgresDatabase.OpenAsync(connection, s => s.AddSingleton(TimeProvider.System));
        var signalA = nodeA.GetRequiredService<QueueSignal>();
        var signalB = nodeB.GetRequiredService<QueueSignal>();
        Assert.NotSame(signalA, signalB);

        using var stop = new CancellationTokenSource();
        var listener = new PostgresQueueListener(nodeB.GetRequiredService<Npgsql.NpgsqlDataSource>(), signalB, TimeProvider.System,
            NullLogger<PostgresQueueListener>.Instance);
        var listening = listener.RunAsync(stop.Token);

        // The listener pulses once when LISTEN is in place; only then can a notification be expected. A signal
        // remembers a pulse until the next call, so one call consumes it before the wait that counts.
        await signalB.NextAsync().WaitAsync(Patience);
        _ = signalB.NextAsync();
        var woken = signalB.NextAsync();
        Assert.False(woken.IsCompleted);

        var run = Run();
        Assert.True(await nodeA.GetRequiredService<IRunQueue>().TryCreateRunAsync(run, [Task(run.Id, "a")], CancellationToken.None));

        await woken.WaitAsync(Patience);
        await stop.CancelAsync();
        await listening;
    }
}
