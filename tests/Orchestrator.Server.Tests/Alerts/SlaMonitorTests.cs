using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Server.Alerts;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Tests.Alerts;

/// <summary>
/// sla_missed on a fake clock: a scheduled interval whose run was not finished <c>sla</c> after its fire time —
/// finished late, still queued, or never created — raises the alert once, however often and on however many nodes
/// the deadline is checked; a run finished in time raises nothing.
/// </summary>
public sealed class SlaMonitorTests : IAsyncLifetime
{
    private static DateTimeOffset At(int hour, int minute = 0) => new(2026, 11, 23, hour, minute, 0, TimeSpan.Zero);

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-sla-").FullName;
    // The workflow is deployed at 06:00 (its first version is stored then); the checks begin at 09:45.
    private readonly FakeTimeProvider _clock = new(At(6));
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "hourly-sla.json"), """
            {
              "id": "hourly-sla",
              "schedule": { "cron": "0 * * * *", "start": "2026-11-23T06:00:00Z" },
              "sla": "PT30M",
              "alerts": [ { "on": ["sla_missed"], "notify": ["email:data-team"] } ],
              "tasks": [ { "id": "a", "activity": "core.noop" } ]
            }
            """);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(_clock)
            .AddSingleton(AlertRouting.None)
            .AddSqliteStore(Path.Combine(_root, "orchestrator.db"))
            .AddOrchestratorCore(Path.Combine(_root, "data"))
            .AddSingleton<WorkflowCatalog>()
            .AddTransient<SlaMonitor>();
        services.AddOptions<OrchestratorOptions>().Configure(o =>
        {
            o.WorkflowsDirectory = Path.Combine(_root, "workflows");
            o.DataDirectory = Path.Combine(_root, "data");
        });
        services.AddOptions<AlertOptions>();
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await _services.GetRequiredService<WorkflowCatalog>().LoadAllAsync(CancellationToken.None);
        _clock.SetUtcNow(At(9, 45));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync(); // closes the pooled connections to orchestrator.db
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A scheduled run of the interval starting at <paramref name="logicalDate"/>, in the given state.</summary>
    private async Task RunAsync(DateTimeOffset logicalDate, RunState state, DateTimeOffset? endedAt = null)
    {
        var version = _services.GetRequiredService<WorkflowCatalog>().Find("hourly-sla")!.Plan!.Version;
        var run = new RunRecord
        {
            Id = Guid.CreateVersion7(),
            WorkflowId = "hourly-sla",
            WorkflowVersion = version,
            Kind = RunKind.Scheduled,
            State = state,
            LogicalDate = logicalDate,
            DataIntervalStart = logicalDate,
            DataIntervalEnd = logicalDate.AddHours(1),
            Params = new Dictionary<string, JsonElement>(),
            CreatedAt = logicalDate.AddHours(1),
            StartedAt = state == RunState.Queued ? null : logicalDate.AddHours(1),
            EndedAt = endedAt,
        };
        await _services.GetRequiredService<IRunStore>().CreateAsync(run, [], CancellationToken.None);
    }

    private async Task<List<AlertRecord>> MissedAsync()
        => (await _services.GetRequiredService<IAlertOutbox>().ListAsync(new AlertFilter(Event: AlertEvent.SlaMissed), new Page(0, 100), CancellationToken.None))
            .OrderBy(a => a.LogicalDate).ToList();

    [Fact]
    public async Task Check_RaisesSlaMissedOnce_ForLateQueuedAndMissingRuns()
    {
        await RunAsync(At(6), RunState.Succeeded, endedAt: At(7, 10));  // deadline 07:30: in time
        await RunAsync(At(7), RunState.Succeeded, endedAt: At(8, 40));  // deadline 08:30: late
        await RunAsync(At(8), RunState.Queued);                          // deadline 09:30: never started
        var monitor = _services.GetRequiredService<SlaMonitor>();

        Assert.Equal(2, await monitor.CheckAsync(CancellationToken.None));
        Assert.Equal(0, await monitor.CheckAsync(CancellationToken.None));

        var missed = await MissedAsync();
        Assert.Equal([At(7), At(8)], missed.Select(a => a.LogicalDate!.Value));
        Assert.All(missed, a => Assert.Equal(("email:data-team", "hourly-sla"), (a.Channel, a.WorkflowId)));
        Assert.Equal("deadline 2026-11-23T08:30:00Z; run succeeded at 2026-11-23T08:40:00Z", missed[0].Detail);
        Assert.Equal("deadline 2026-11-23T09:30:00Z; run queued", missed[1].Detail);

        // The 09:00 run is never created (the scheduler was down): its deadline, 10:30, passes.
        _clock.SetUtcNow(At(10, 29));
        Assert.Equal(0, await monitor.CheckAsync(CancellationToken.None));
        _clock.SetUtcNow(At(10, 31));
        Assert.Equal(1, await monitor.CheckAsync(CancellationToken.None));
        var never = (await MissedAsync()).Last();
        Assert.Equal((At(9), null), (never.LogicalDate!.Value, never.RunId));
        Assert.Equal("deadline 2026-11-23T10:30:00Z; run never created", never.Detail);

        // Another node starting now looks back over the same deadlines and adds nothing.
        Assert.Equal(0, await _services.GetRequiredService<SlaMonitor>().CheckAsync(CancellationToken.None));
        Assert.Equal(3, (await MissedAsync()).Count);
    }

    [Fact]
    public async Task Check_IgnoresDeadlinesBeforeTheWorkflowReachedTheServer_WhenItIsNew()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "new-sla.json"), File.ReadAllText(Path.Combine(_root, "workflows", "hourly-sla.json"))
            .Replace("\"hourly-sla\"", "\"new-sla\"", StringComparison.Ordinal));
        await _services.GetRequiredService<WorkflowCatalog>().LoadAllAsync(CancellationToken.None);
        var monitor = _services.GetRequiredService<SlaMonitor>();

        // Deployed at 09:45 with a schedule from 06:00: the deadlines of 07:30, 08:30 and 09:30 were never its to meet.
        await monitor.CheckAsync(CancellationToken.None);
        Assert.DoesNotContain(await MissedAsync(), a => a.WorkflowId == "new-sla");

        _clock.SetUtcNow(At(10, 31));
        await monitor.CheckAsync(CancellationToken.None);
        Assert.Equal([At(9)], (await MissedAsync()).Where(a => a.WorkflowId == "new-sla").Select(a => a.LogicalDate!.Value));
    }

    [Fact]
    public async Task Check_RaisesNothing_WhenTheWorkflowIsPaused()
    {
        await _services.GetRequiredService<IWorkflowStateStore>().SetPausedAsync("hourly-sla", true, CancellationToken.None);

        Assert.Equal(0, await _services.GetRequiredService<SlaMonitor>().CheckAsync(CancellationToken.None));
        Assert.Empty(await MissedAsync());
    }
}
