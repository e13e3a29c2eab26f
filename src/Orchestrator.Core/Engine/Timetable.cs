using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>
/// Airflow's cron timetable of one schedule: the ticks of the cron (in its time zone, DST-correct) cut time into
/// data intervals; the run of an interval is due when the interval has ended. Logical dates lie in
/// [<c>start</c>, <c>end</c>]; a schedule without <c>start</c> starts at the instant given as
/// <c>defaultStart</c> (for the scheduler: when the server first saw the workflow). Every answer is computed from
/// the cron around the instant asked about, so its cost does not grow with the distance to <c>start</c>.
/// </summary>
public sealed class Timetable
{
    private readonly CronSchedule _cron;
    private readonly DateTimeOffset _first;
    private readonly DateTimeOffset? _last;

    private Timetable(CronSchedule cron, DateTimeOffset first, DateTimeOffset? last)
    {
        _cron = cron;
        _first = first;
        _last = last;
    }

    /// <summary>The timetable of a scheduled workflow, or null when it has no schedule or its cron never fires.</summary>
    public static Timetable? For(WorkflowDefinition definition, DateTimeOffset defaultStart)
    {
        if (definition.Schedule is not { } schedule || !CronSchedule.TryParse(schedule.Cron, schedule.Timezone, out var cron, out _))
        {
            return null;
        }

        var start = schedule.Start ?? defaultStart;
        return cron!.NextAfter(start.AddTicks(-1)) is { } first ? new Timetable(cron, first, schedule.End) : null;
    }

    /// <summary>The interval with the earliest end after <paramref name="after"/> (the one in progress then), or null when the schedule is over.</summary>
    public DataInterval? NextEndingAfter(DateTimeOffset after)
    {
        var start = after < _first ? _first : _cron.PreviousOrSame(after, _first);
        return Following(start);
    }

    /// <summary>The interval with the latest end at or before <paramref name="at"/>, or null when none has ended.</summary>
    public DataInterval? LatestEndedBy(DateTimeOffset at)
    {
        var end = _cron.PreviousOrSame(at, _first);
        if (end <= _first)
        {
            return null;
        }

        var start = _cron.PreviousOrSame(end.AddTicks(-1), _first);
        if (_last is { } last && start > last)
        {
            // Past the schedule's end: its last interval (ended long ago, if it exists).
            return last < _first ? null : Following(_cron.PreviousOrSame(last, _first));
        }

        return new DataInterval(start, end);
    }

    /// <summary>Intervals whose end lies in (<paramref name="after"/>, <paramref name="until"/>], oldest first, produced lazily.</summary>
    public IEnumerable<DataInterval> EndingBetween(DateTimeOffset after, DateTimeOffset until)
    {
        for (var interval = NextEndingAfter(after); interval is { } i && i.End <= until; interval = Following(i.End))
        {
            yield return i;
        }
    }

    /// <summary>Intervals whose start lies in [<paramref name="from"/>, <paramref name="to"/>), oldest first, produced lazily.</summary>
    public IEnumerable<DataInterval> StartingBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var start = from <= _first ? _first : _cron.NextAfter(from.AddTicks(-1));
        for (var interval = start is { } s ? Following(s) : null; interval is { } i && i.Start < to; interval = Following(i.End))
        {
            yield return i;
        }
    }

    /// <summary>The interval starting at the tick <paramref name="start"/>, or null past the schedule's end.</summary>
    private DataInterval? Following(DateTimeOffset start)
        => (_last is null || start <= _last) && _cron.NextAfter(start) is { } end ? new DataInterval(start, end) : null;
}
