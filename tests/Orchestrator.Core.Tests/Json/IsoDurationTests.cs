using Orchestrator.Core.Json;

namespace Orchestrator.Core.Tests.Json;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("PT30S", 30)]
    [InlineData("PT1H30M", 5400)]
    [InlineData("P1D", 86400)]
    [InlineData("P2W", 1209600)]
    [InlineData("P1DT1S", 86401)]
    [InlineData("PT0.5S", 0.5)]
    [InlineData("PT0S", 0)]
    public void TryParse_ReadsIso8601Durations(string text, double seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
        Assert.Equal(value, IsoDuration.Parse(IsoDuration.Format(value)));
    }

    [Theory]
    [InlineData("30s")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("PT-1S")]
    [InlineData("")]
    [InlineData("1:00:00")]
    public void TryParse_Rejects_WhatIsNotADayTimeDuration(string text)
        => Assert.False(IsoDuration.TryParse(text, out _));
}
