namespace Orchestrator.Core.Storage;

/// <summary>
/// Where the scheduler stands with a workflow: when it first saw it scheduled (the start of a schedule without
/// <c>start</c>) and the end of the last interval it created a scheduled run for (null: none yet).
/// </summary>
public sealed record ScheduleProgress(DateTimeOffset FirstSeen, DateTimeOffset? Cursor);

/// <summary>Per-workflow server state that is not in the file: paused or not, and the scheduler's progress.</summary>
public interface IWorkflowStateStore
{
    Task<IReadOnlySet<string>> PausedAsync(CancellationToken cancellationToken);

    Task SetPausedAsync(string workflowId, bool paused, CancellationToken cancellationToken);

    /// <summary>The workflow's schedule progress; the first call records <paramref name="now"/> as the instant it was first seen.</summary>
    Task<ScheduleProgress> ScheduleProgressAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Moves the cursor forward to <paramref name="cursor"/>; an earlier value (another node's late write) leaves it.</summary>
    Task AdvanceScheduleCursorAsync(string workflowId, DateTimeOffset cursor, CancellationToken cancellationToken);
}
