using System.Globalization;

namespace Orchestrator.Cli.Display;

/// <summary>Durations as people read them on a console: 0.42s, 12.3s, 4m05s, 1h02m.</summary>
internal static class Durations
{
    public static string Human(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        return value.TotalSeconds switch
        {
            < 10 => value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s",
            < 60 => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m{value.Seconds:00}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes:00}m"),
        };
    }

    public static string Human(DateTimeOffset? start, DateTimeOffset? end)
        => start is { } from && end is { } to ? Human(to - from) : "";
}
