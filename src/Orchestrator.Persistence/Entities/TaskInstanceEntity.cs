using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>task_instances</c>.</summary>
internal sealed class TaskInstanceEntity
{
    public Guid RunId { get; set; }
    public required string TaskId { get; set; }

    /// <summary>Position in the workflow definition: details list tasks in the order they were written.</summary>
    public int Ordinal { get; set; }

    public TaskState State { get; set; }
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? OutputsJson { get; set; }
    public string? Error { get; set; }

    /// <summary>When the instance was queued: workers claim the oldest first.</summary>
    public DateTimeOffset? QueuedAt { get; set; }

    /// <summary>The worker running the current attempt, while it renews its lease.</summary>
    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>
    /// The pool and slots of the running attempt, written when it is claimed, so that a claim counts a pool's slots
    /// in use from this table alone (no plan lookup per running task).
    /// </summary>
    public string? Pool { get; set; }

    public int PoolSlots { get; set; }

    /// <summary>The run's <see cref="RunEntity.Revision"/> of the event that last wrote this row (claims leave it).</summary>
    public long Revision { get; set; }
}
