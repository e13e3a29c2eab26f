using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Persistence.Queue;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Tests.Support;
using Orchestrator.Storage;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// A trigger that fires while the database cannot take the run (its firing fails and the one-shot trigger is
/// spent): the scheduler's sweep re-arms the workflow once the database answers, and the interval gets its run.
/// </summary>
public sealed class FailedFiringTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-failed-fire-").FullName;
    private readonly FakeTimeProvider _clock = new(Start.AddHours(5).AddMinutes(30));
    private readonly Outage _outage = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "hourly.json"), FakeClockServer.Hourly("hourly", catchup: false, Start));
        _server = await TestServer.StartAsync(_root, DatabaseProvider.Sqlite, _clock, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "None",
            ["Orchestrator:Scheduler:SweepInterval"] = "00:00:10",
        }, services =>
        {
            services.RemoveAll<IRunQueue>();
            services.AddSingleton(sp => Outage.Wrap(sp.GetRequiredService<EfRunQueue>(), _outage));
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task TriggerFiringWhileTheDatabaseIsAway_IsRearmedAndRunOnceItIsBack()
    {
        var scheduler = _server.Services.GetRequiredService<WorkflowScheduler>();
        await _server.WaitUntilAsync(async () => (await LogicalDatesAsync()).SequenceEqual([Start.AddHours(4)]), () => "the 04:00 run of the start-up catch-up");

        // 06:00: the trigger of the 05:00 interval fires, but no run can be written.
        _outage.Down = true;
        _clock.Advance(TimeSpan.FromMinutes(30));
        await _server.WaitUntilAsync(async () => await scheduler.NextFireAsync("hourly", CancellationToken.None) != Start.AddHours(6), () => "the 06:00 trigger fired");

        // The database is back: within a sweep the interval has its run and the next trigger is armed.
        _outage.Down = false;
        _clock.Advance(TimeSpan.FromSeconds(11));
        DateTimeOffset[] dates = [];
        await _server.WaitUntilAsync(async () => (dates = await LogicalDatesAsync()).Contains(Start.AddHours(5)),
            () => $"the 05:00 run after the database came back; runs {string.Join(", ", dates.Select(d => d.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.Equal(Start.AddHours(7), await scheduler.NextFireAsync("hourly", CancellationToken.None));
    }

    private async Task<DateTimeOffset[]> LogicalDatesAsync()
    {
        var page = await _server.GetJsonAsync("/api/v1/runs?workflowId=hourly&take=100");
        return [.. page["items"]!.AsArray().Select(r => (DateTimeOffset)r!["logicalDate"]!).Order()];
    }

    /// <summary>The run queue's database: while down, creating a run fails as a lost connection would.</summary>
    public class Outage : DispatchProxy
    {
        private IRunQueue _inner = null!;
        private Outage _state = null!;

        public bool Down { get; set; }

        public static IRunQueue Wrap(IRunQueue inner, Outage state)
        {
            var proxy = Create<IRunQueue, Outage>();
            ((Outage)(object)proxy)._inner = inner;
            ((Outage)(object)proxy)._state = state;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            => _state.Down && targetMethod!.Name == nameof(IRunQueue.TryCreateRunAsync)
                ? throw new InvalidOperationException("the database does not answer")
                : targetMethod!.Invoke(_inner, args);
    }
}
