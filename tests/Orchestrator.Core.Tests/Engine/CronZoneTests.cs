using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Tests.Engine;

public sealed class CronZoneTests
{
    [Theory]
    [InlineData("Europe/Paris", 1)]
    [InlineData("America/New_York", -5)]
    [InlineData("UTC", 0)]
    [InlineData("Romance Standard Time", 1)]
    [InlineData("europe/paris", 1)]
    [InlineData("ROMANCE STANDARD TIME", 1)]
    [InlineData("India Standard Time", 5.5)]
    [InlineData("Asia/Calcutta", 5.5)]
    [InlineData("US/Eastern", -5)]
    [InlineData("Eastern Standard Time", -5)]
    public void TryFindZone_FindsIanaAndWindowsNames_InAnyCase(string name, double winterOffsetHours)
    {
        Assert.True(CronSchedule.TryFindZone(name, out var zone));
        Assert.Equal(TimeSpan.FromHours(winterOffsetHours), zone!.GetUtcOffset(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    public void TryFindZone_Refuses_WhenTheNameIsNoZone(string name)
        => Assert.False(CronSchedule.TryFindZone(name, out _));
}
