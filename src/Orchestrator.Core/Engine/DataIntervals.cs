using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>One data interval of a scheduled workflow: the run for [Start, End) has logical date Start and fires at End.</summary>
public readonly record struct DataInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>The data interval of a run; the intervals of a schedule over time are its <see cref="Timetable"/>.</summary>
public static class DataIntervals
{
    /// <summary>The interval of a run at <paramref name="logicalDate"/>; without a schedule both ends are the logical date.</summary>
    public static DataInterval ForLogicalDate(WorkflowDefinition definition, DateTimeOffset logicalDate)
        => definition.Schedule is { } s && CronSchedule.TryParse(s.Cron, s.Timezone, out var cron, out _) && cron!.NextAfter(logicalDate) is { } end
            ? new DataInterval(logicalDate, end)
            : new DataInterval(logicalDate, logicalDate);
}
