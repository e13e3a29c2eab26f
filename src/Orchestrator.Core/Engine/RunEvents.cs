using System.Text.Json.Serialization;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>Something that happened in a run, after it was persisted. Feeds live views, metrics and alerts.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStateChanged), "run_state")]
[JsonDerivedType(typeof(TaskStateChanged), "task_state")]
[JsonDerivedType(typeof(AttemptStarted), "attempt_started")]
[JsonDerivedType(typeof(AttemptEnded), "attempt_ended")]
[JsonDerivedType(typeof(RunWaiting), "run_waiting")]
[JsonDerivedType(typeof(TaskLogWritten), "log")]
[JsonDerivedType(typeof(AnomalyReported), "anomaly")]
public abstract record RunEvent(Guid RunId, DateTimeOffset At);

public sealed record RunStateChanged(Guid RunId, DateTimeOffset At, string WorkflowId, RunState State, string? Error) : RunEvent(RunId, At);

public sealed record TaskStateChanged(Guid RunId, DateTimeOffset At, string TaskId, TaskState State, int Attempts, DateTimeOffset? NextAttemptAt, string? Error, string? WorkflowId = null)
    : RunEvent(RunId, At)
{
    /// <summary>On a claim (the task starts running): when the task instance was queued, for the queue wait metric.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTimeOffset? QueuedAt { get; init; }
}

/// <summary>An attempt began; its timeout clock is already running.</summary>
public sealed record AttemptStarted(Guid RunId, DateTimeOffset At, string TaskId, int Attempt, TimeSpan? Timeout) : RunEvent(RunId, At);

public sealed record AttemptEnded(Guid RunId, DateTimeOffset At, string TaskId, int Attempt, AttemptOutcome Outcome, string? Error, string? Activity = null, TimeSpan? Duration = null)
    : RunEvent(RunId, At);

/// <summary>
/// An in-process worker (<c>orchestrator run</c>) has nothing to do until an attempt ends, work is signalled or
/// <paramref name="WakeAt"/> (a retry or a run deadline) comes; its timers are armed when this is published. Lets a
/// fake clock be advanced without races. <paramref name="RunId"/> is empty: the worker waits for all its runs.
/// </summary>
public sealed record RunWaiting(Guid RunId, DateTimeOffset At, int RunningAttempts, DateTimeOffset? WakeAt) : RunEvent(RunId, At);

/// <summary>An attempt found something wrong without failing (a <c>warn</c> quality check).</summary>
public sealed record AnomalyReported(Guid RunId, DateTimeOffset At, string TaskId, int Attempt, string Description, string? WorkflowId = null) : RunEvent(RunId, At);

public sealed record TaskLogWritten(Guid RunId, DateTimeOffset At, TaskLogLine Line) : RunEvent(RunId, At);

/// <summary>Receives run events. Called from several threads (log lines come from running attempts).</summary>
public interface IRunObserver
{
    void OnEvent(RunEvent runEvent);
}
