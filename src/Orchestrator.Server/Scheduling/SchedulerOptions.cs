using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Server.Scheduling;

/// <summary>Section <c>Orchestrator:Scheduler</c>.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Orchestrator:Scheduler";

    /// <summary>
    /// How often every scheduled workflow is checked: a trigger that is missing or overdue (its firing failed, e.g.
    /// while the database was away) is armed again and the intervals it missed are caught up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most intervals one backfill request may create; a larger range is refused (400).</summary>
    [Range(1, 1_000_000)]
    public int MaxBackfillIntervals { get; set; } = 10_000;
}
