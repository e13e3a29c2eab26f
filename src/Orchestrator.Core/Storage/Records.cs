using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>An immutable snapshot of a workflow definition; every run points at the version it ran.</summary>
public sealed record WorkflowVersionRecord(string WorkflowId, string Version, string DefinitionJson, DateTimeOffset CreatedAt);

/// <summary>One execution of a workflow version.</summary>
public sealed record RunRecord
{
    public required Guid Id { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowVersion { get; init; }
    public required RunKind Kind { get; init; }
    public required RunState State { get; init; }
    public required DateTimeOffset LogicalDate { get; init; }
    public required DateTimeOffset DataIntervalStart { get; init; }
    public required DateTimeOffset DataIntervalEnd { get; init; }
    public required IReadOnlyDictionary<string, JsonElement> Params { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>The batch that started an event run (templates read it as <c>trigger.*</c>); null for other runs.</summary>
    public Engine.RunTrigger? Trigger { get; init; }
}

/// <summary>One task inside one run.</summary>
public sealed record TaskInstanceRecord
{
    public required Guid RunId { get; init; }
    public required string TaskId { get; init; }
    public required TaskState State { get; init; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; init; }

    /// <summary>1 + retries.</summary>
    public required int MaxAttempts { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The outputs of the successful attempt (a JSON object of at most 64 KiB).</summary>
    public JsonElement? Outputs { get; init; }

    public string? Error { get; init; }
}

/// <summary>One try of a task; <see cref="Outcome"/> is null while it runs.</summary>
public sealed record AttemptRecord
{
    public required Guid RunId { get; init; }
    public required string TaskId { get; init; }
    public required int Number { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public AttemptOutcome? Outcome { get; init; }
    public string? Error { get; init; }

    /// <summary>When the task instance was queued for this attempt (null where the queue does not keep it).</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>The node (worker name) that ran the attempt.</summary>
    public string? Worker { get; init; }

    /// <summary>The attempt's rendered inputs, secrets masked; null while it runs, or when they did not render.</summary>
    public JsonElement? Inputs { get; init; }
}

/// <summary>A line of a task attempt's log.</summary>
public sealed record TaskLogLine(Guid RunId, string TaskId, int Attempt, long Sequence, DateTimeOffset Timestamp, LogLevel Level, string Message)
{
    /// <summary>The line as text (alert messages, log downloads): ISO time, level, message.</summary>
    public string ToText() => $"{Templates.TemplateScope.Iso(Timestamp)} {Level} {Message}";
}

/// <summary>
/// State changes that belong together (a task's new state, the queuing of its downstream, an attempt, the run's
/// state) and are persisted in one transaction.
/// </summary>
public sealed record RunChanges(
    RunRecord? Run,
    IReadOnlyList<TaskInstanceRecord> Tasks,
    IReadOnlyList<AttemptRecord> Attempts)
{
    public bool IsEmpty => Run is null && Tasks.Count == 0 && Attempts.Count == 0;
}

/// <summary>A run with its task instances and attempts.</summary>
public sealed record RunDetails(RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts);

/// <summary>Filter for listing runs; null fields match everything.</summary>
public sealed record RunFilter(string? WorkflowId = null, RunState? State = null, DateTimeOffset? LogicalDate = null);

/// <summary>A page request: skip, take.</summary>
public sealed record Page(int Skip = 0, int Take = 50);
