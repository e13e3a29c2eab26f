using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// An interval that ends while the scheduler is catching up: the catch-up and the trigger it arms must be cut at
/// one instant, or the interval is neither run (it had not ended at the first look) nor armed (it had at the second).
/// The clock here moves 100 ms on every read made by the rescheduling under test, and only there.
/// </summary>
public sealed class StartupBoundaryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly SteppingClock _clock = new(Start.AddHours(5).AddMinutes(30));
    private FakeClockServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeClockServer.StartAsync(DatabaseProvider.Sqlite, _clock, new Dictionary<string, string>
    {
        ["hourly"] = FakeClockServer.Hourly("hourly", catchup: false, Start),
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task IntervalEndingDuringRescheduling_IsArmed_NotSkipped()
    {
        var scheduler = _server.Services.GetRequiredService<WorkflowScheduler>();
        Assert.Equal(Start.AddHours(6), await scheduler.NextFireAsync("hourly", CancellationToken.None));

        // 100 ms before the 05:00 interval ends, the workflow is rescheduled (as on start, a change or unpause).
        _clock.SetUtcNow(Start.AddHours(6).AddMilliseconds(-100));
        using (_clock.Stepping(TimeSpan.FromMilliseconds(100)))
        {
            await scheduler.RescheduleAsync("hourly", CancellationToken.None);
        }

        // Quartz may fire the armed trigger at once (the clock has moved past 06:00): then the run appears instead.
        List<(DateTimeOffset LogicalDate, string Kind)> runs = [];
        DateTimeOffset? next = null;
        await _server.WaitUntilAsync(
            async () =>
            {
                runs = await _server.RunsAsync("hourly");
                next = await scheduler.NextFireAsync("hourly", CancellationToken.None);
                return runs.Any(r => r.LogicalDate == Start.AddHours(5)) || next == Start.AddHours(6);
            },
            () => $"the 05:00 interval run or armed (next fire {next:O}; runs {string.Join(", ", runs.Select(r => r.LogicalDate.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)))})");
    }

    /// <summary>A fake clock that, inside <see cref="Stepping"/> (and the calls it awaits), moves on every read.</summary>
    private sealed class SteppingClock(DateTimeOffset now) : FakeTimeProvider(now)
    {
        private readonly AsyncLocal<TimeSpan?> _step = new();
        private long _extraTicks;

        public override DateTimeOffset GetUtcNow()
        {
            var now = base.GetUtcNow().AddTicks(Interlocked.Read(ref _extraTicks));
            if (_step.Value is { } step)
            {
                Interlocked.Add(ref _extraTicks, step.Ticks);
            }

            return now;
        }

        public IDisposable Stepping(TimeSpan step)
        {
            _step.Value = step;
            return new Reset(this);
        }

        private sealed class Reset(SteppingClock clock) : IDisposable
        {
            public void Dispose() => clock._step.Value = null;
        }
    }
}
