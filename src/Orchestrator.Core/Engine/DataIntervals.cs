using Orchestrator.Model;

namespace Orchestrator.Engine;

/// <summary>One data interval of a scheduled workflow: the run for [Start, End) has logical date Start and fires at End.</summary>
public readonly record struct DataInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Airflow's cron timetable: the ticks of the cron (in its time zone, DST-correct) cut time into intervals; the run
/// of an interval is due when the interval has ended. <c>start</c> and <c>end</c> bound the logical dates.
/// </summary>
public static class DataIntervals
{
    /// <summary>The interval of a run at <paramref name="logicalDate"/>; without a schedule both ends are the logical date.</summary>
    public static DataInterval ForLogicalDate(WorkflowDefinition definition, DateTimeOffset logicalDate)
        => Schedule(definition) is { } cron && cron.NextAfter(logicalDate) is { } end
            ? new DataInterval(logicalDate, end)
            : new DataInterval(logicalDate, logicalDate);

    /// <summary>Intervals whose end (fire time) lies in (<paramref name="after"/>, <paramref name="until"/>], oldest first.</summary>
    public static IEnumerable<DataInterval> EndingBetween(WorkflowDefinition definition, DateTimeOffset after, DateTimeOffset until)
    {
        if (Schedule(definition) is not { } cron)
        {
            yield break;
        }

        var schedule = definition.Schedule!;
        var tick = FirstTick(cron, schedule);
        if (tick is null)
        {
            yield break;
        }

        var start = tick.Value;
        while (cron.NextAfter(start) is { } end && end <= until)
        {
            if (schedule.End is { } last && start > last)
            {
                yield break;
            }

            if (end > after)
            {
                yield return new DataInterval(start, end);
            }

            start = end;
        }
    }

    /// <summary>The next interval whose end is after <paramref name="after"/>, or null when the schedule is over.</summary>
    public static DataInterval? NextEndingAfter(WorkflowDefinition definition, DateTimeOffset after)
    {
        if (Schedule(definition) is not { } cron || FirstTick(cron, definition.Schedule!) is not { } first)
        {
            return null;
        }

        // The interval that contains `after`, or the first one when `after` is before the schedule starts.
        var start = first;
        if (after >= first)
        {
            start = cron.PreviousOrSame(after, first);
        }

        while (cron.NextAfter(start) is { } end)
        {
            if (definition.Schedule!.End is { } last && start > last)
            {
                return null;
            }

            if (end > after)
            {
                return new DataInterval(start, end);
            }

            start = end;
        }

        return null;
    }

    private static CronSchedule? Schedule(WorkflowDefinition definition)
        => definition.Schedule is { } s && CronSchedule.TryParse(s.Cron, s.Timezone, out var cron, out _) ? cron : null;

    private static DateTimeOffset? FirstTick(CronSchedule cron, ScheduleDefinition schedule)
    {
        var from = schedule.Start ?? DateTimeOffset.UnixEpoch;
        return cron.NextAfter(from.AddTicks(-1));
    }
}
