using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Activities.Tests.Support;

/// <summary>
/// A fake clock that reports each timer the code under test arms, so a test advances the time only once the code
/// waits on it (advancing earlier would leave the timer armed past the new time, never to fire).
/// </summary>
public sealed class ObservedClock(DateTimeOffset start) : TimeProvider
{
    private readonly SemaphoreSlim armed = new(0);

    public FakeTimeProvider Fake { get; } = new(start);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        armed.Release();
        return timer;
    }

    /// <summary>Waits (a real-time guard of 10 s) until the code under test arms its next timer.</summary>
    public async Task TimerArmedAsync()
        => Assert.True(await armed.WaitAsync(TimeSpan.FromSeconds(10)), "the code under test never waited on the clock");

    /// <summary>Waits until the code under test waits on the clock, then moves the clock on.</summary>
    public async Task AdvanceWhenWaitingAsync(TimeSpan by)
    {
        await TimerArmedAsync();
        Fake.Advance(by);
    }
}
