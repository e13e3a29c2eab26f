using Cronos;

namespace Orchestrator.Core.Engine;

/// <summary>
/// A cron expression in a time zone (Cronos: 5 fields, or 6 with leading seconds, or a macro such as
/// <c>@hourly</c>), evaluated DST-correctly.
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    public static bool TryParse(string expression, string timeZone, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        if (!TryParseExpression(expression, out var cron, out error))
        {
            return false;
        }

        if (!TryFindZone(timeZone, out var zone))
        {
            error = $"unknown time zone '{timeZone}'";
            return false;
        }

        schedule = new CronSchedule(cron!, zone!);
        return true;
    }

    public static bool TryParseExpression(string expression, out CronExpression? cron, out string error)
    {
        cron = null;
        error = "";
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (!expression.TrimStart().StartsWith('@') && fields is not (5 or 6))
        {
            error = $"cron '{expression}' has {fields} field(s); expected 5 (minute hour day month weekday) or 6 (with leading seconds)";
            return false;
        }

        if (CronExpression.TryParse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out cron))
        {
            return true;
        }

        error = $"cron '{expression}' does not parse";
        return false;
    }

    /// <summary>
    /// An IANA zone (<c>Europe/Paris</c>) or a Windows id (<c>Romance Standard Time</c>), in any letter case. The name
    /// goes through the CLDR table (<see cref="WindowsZoneTable"/>) to the kind of id the host stores (zone files on
    /// Unix, the registry on Windows), so it resolves the same way with ICU or without; only a name the table does not
    /// know, in another case than the system's, lists the system's zones.
    /// </summary>
    public static bool TryFindZone(string name, out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        foreach (var id in WindowsZoneTable.Instance.SystemIds(name, OperatingSystem.IsWindows()))
        {
            if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone))
            {
                return true;
            }
        }

        var systemId = TimeZoneInfo.GetSystemTimeZones(skipSorting: true)
            .FirstOrDefault(z => string.Equals(z.Id, name, StringComparison.OrdinalIgnoreCase))?.Id;
        return systemId is not null && TimeZoneInfo.TryFindSystemTimeZoneById(systemId, out zone);
    }

    /// <summary>
    /// The last occurrence at or before <paramref name="at"/>, not earlier than <paramref name="floor"/> (an occurrence).
    /// Cron has no "previous": this looks back over windows that grow fourfold from one minute, so the work is
    /// bounded by the gap between two ticks, not by the distance to <paramref name="floor"/>.
    /// </summary>
    public DateTimeOffset PreviousOrSame(DateTimeOffset at, DateTimeOffset floor)
    {
        if (at <= floor)
        {
            return floor;
        }

        var window = TimeSpan.FromMinutes(1);
        while (true)
        {
            var from = at - window;
            var reachedFloor = from <= floor;
            if (reachedFloor)
            {
                from = floor;
            }

            DateTimeOffset? best = null;
            for (var tick = NextAfter(from); tick is { } t && t <= at; tick = NextAfter(t))
            {
                best = t;
            }

            if (best is { } found)
            {
                return found;
            }

            if (reachedFloor)
            {
                return floor;
            }

            window *= 4;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
        => _expression.GetNextOccurrence(after, Zone, inclusive: false);
}
