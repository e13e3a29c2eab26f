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
    [InlineData(13_543)]
    [InlineData(1)]
    [InlineData(9_999_999)]
    [InlineData(12_345_678_901)]
    [InlineData(864_000_000_001)]
    public void Parse_ReadsBackWhatFormatWrote_ToTheTick(long ticks)
    {
        var value = TimeSpan.FromTicks(ticks);

        Assert.Equal(value, IsoDuration.Parse(IsoDuration.Format(value)));
    }

    [Fact]
    public void Parse_ReadsFractionsExactly_NotThroughBinaryFloatingPoint()
        => Assert.Equal(TimeSpan.FromTicks(13_543), IsoDuration.Parse("PT0.0013543S"));

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
