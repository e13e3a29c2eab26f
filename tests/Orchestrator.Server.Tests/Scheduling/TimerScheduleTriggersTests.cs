using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// The single node's triggers: a timer per workflow that fires once at the end of the armed interval (at once when
/// that is past), is replaced by a new arming, removed by a removal, and waits longer than a timer can.
/// </summary>
public sealed class TimerScheduleTriggersTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly ConcurrentQueue<(string WorkflowId, DateTimeOffset DueAt)> _fires = new();
    private readonly SemaphoreSlim _fired = new(0);
    private readonly TimerScheduleTriggers _triggers;

    public TimerScheduleTriggersTests()
    {
        _triggers = new TimerScheduleTriggers((workflowId, dueAt, _) =>
        {
            _fires.Enqueue((workflowId, dueAt));
            _fired.Release();
            return Task.CompletedTask;
        }, _clock, CancellationToken.None);
    }

    public void Dispose() => _triggers.Dispose();

    [Fact]
    public async Task Trigger_FiresAtTheEndOfTheInterval_AndNotBefore()
    {
        await _triggers.ArmAsync("a", Interval(Now.AddHours(1)), CancellationToken.None);
        Assert.Equal(Now.AddHours(1), await _triggers.NextFireAsync("a", CancellationToken.None));

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(Now.AddHours(1), await _triggers.NextFireAsync("a", CancellationToken.None));

        _clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForFiresAsync(1);
        Assert.Equal([("a", Now.AddHours(1))], _fires);
        Assert.Null(await _triggers.NextFireAsync("a", CancellationToken.None));
    }

    [Fact]
    public async Task Trigger_FiresAtOnce_WhenItsTimeIsPast()
    {
        await _triggers.ArmAsync("a", Interval(Now.AddMinutes(-5)), CancellationToken.None);

        await WaitForFiresAsync(1);
        Assert.Equal([("a", Now.AddMinutes(-5))], _fires);
    }

    [Fact]
    public async Task Trigger_FiresOnlyAsLastArmed_WhenArmedAgainOrRemoved()
    {
        await _triggers.ArmAsync("moved", Interval(Now.AddHours(1)), CancellationToken.None);
        await _triggers.ArmAsync("moved", Interval(Now.AddHours(3)), CancellationToken.None);
        await _triggers.ArmAsync("removed", Interval(Now.AddHours(1)), CancellationToken.None);
        await _triggers.RemoveAsync("removed", CancellationToken.None);
        await _triggers.ArmAsync("marker", Interval(Now.AddHours(2)), CancellationToken.None);
        Assert.Null(await _triggers.NextFireAsync("removed", CancellationToken.None));

        _clock.Advance(TimeSpan.FromHours(2));
        await WaitForFiresAsync(1);
        Assert.Equal([("marker", Now.AddHours(2))], _fires);
        Assert.Equal(Now.AddHours(3), await _triggers.NextFireAsync("moved", CancellationToken.None));

        _clock.Advance(TimeSpan.FromHours(1));
        await WaitForFiresAsync(2);
        Assert.Equal([("marker", Now.AddHours(2)), ("moved", Now.AddHours(3))], _fires);
    }

    [Fact]
    public async Task Trigger_WaitsLongerThanATimerCan_WhenTheIntervalEndsMonthsAway()
    {
        await _triggers.ArmAsync("yearly", Interval(Now.AddDays(365)), CancellationToken.None);

        _clock.Advance(TimeSpan.FromDays(364));
        Assert.Equal(Now.AddDays(365), await _triggers.NextFireAsync("yearly", CancellationToken.None));
        Assert.Empty(_fires);

        _clock.Advance(TimeSpan.FromDays(1));
        await WaitForFiresAsync(1);
        Assert.Equal([("yearly", Now.AddDays(365))], _fires);
    }

    private static DataInterval Interval(DateTimeOffset end) => new(end.AddHours(-1), end);

    private async Task WaitForFiresAsync(int count)
    {
        while (_fires.Count < count)
        {
            Assert.True(await _fired.WaitAsync(TestServer.Patience), $"{count} fires; {_fires.Count} so far");
        }
    }
}
