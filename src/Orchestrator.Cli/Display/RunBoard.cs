using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Cli.Display;

/// <summary>One task of a run as the console shows it.</summary>
internal sealed record TaskLine(string Id, TaskState State)
{
    public int Attempts { get; init; }

    /// <summary>Up-for-retry transitions so far.</summary>
    public int Retries { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? AttemptStartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>What the console shows of a run at one instant.</summary>
internal sealed record BoardSnapshot(string WorkflowId, Guid? RunId, RunState? State, DateTimeOffset? StartedAt, IReadOnlyList<TaskLine> Tasks)
{
    public int Done => Tasks.Count(t => t.State.IsFinal());

    public int Retries => Tasks.Sum(t => t.Retries);

    public IEnumerable<TaskLine> Running => Tasks.Where(t => t.State == TaskState.Running);
}

/// <summary>
/// The tasks of one run folded from its events, in the workflow's task order: what the live display draws.
/// Events come from several threads (attempts run in parallel); <see cref="Take"/> returns a consistent copy.
/// </summary>
internal sealed class RunBoard
{
    private readonly Lock _gate = new();
    private readonly string _workflowId;
    private readonly List<TaskLine> _tasks;
    private Guid? _runId;
    private RunState? _state;
    private DateTimeOffset? _startedAt;

    public RunBoard(string workflowId, IEnumerable<string> taskIds)
    {
        _workflowId = workflowId;
        _tasks = [.. taskIds.Select(id => new TaskLine(id, TaskState.Pending))];
    }

    public void Apply(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case RunStateChanged run:
                    _runId = run.RunId;
                    _state = run.State;
                    _startedAt ??= run.At;
                    break;
                case TaskStateChanged task:
                    Update(task.TaskId, line => line with
                    {
                        State = task.State,
                        Attempts = Math.Max(line.Attempts, task.Attempts),
                        Retries = line.Retries + (task.State == TaskState.UpForRetry && line.State != TaskState.UpForRetry ? 1 : 0),
                        StartedAt = task.State == TaskState.Running ? Earliest(line.StartedAt, task.At) : line.StartedAt,
                        AttemptStartedAt = task.State != TaskState.Running ? line.AttemptStartedAt
                            : line.State == TaskState.Running ? line.AttemptStartedAt ?? task.At : task.At,
                        EndedAt = task.State.IsFinal() ? task.At : null,
                        NextAttemptAt = task.NextAttemptAt,
                    });
                    break;
                case AttemptStarted attempt:
                    _startedAt ??= attempt.At;
                    Update(attempt.TaskId, line => line with
                    {
                        State = TaskState.Running,
                        Attempts = Math.Max(line.Attempts, attempt.Attempt),
                        StartedAt = Earliest(line.StartedAt, attempt.At),
                        AttemptStartedAt = attempt.At,
                    });
                    break;
            }
        }
    }

    /// <summary>When the run started: its first state change or attempt, whichever came first.</summary>
    public DateTimeOffset? StartedAt
    {
        get
        {
            lock (_gate)
            {
                return _startedAt;
            }
        }
    }

    /// <summary>One task as it is now; null for a task no event named and the workflow does not have.</summary>
    public TaskLine? Line(string taskId)
    {
        lock (_gate)
        {
            return _tasks.Find(t => t.Id == taskId);
        }
    }

    public BoardSnapshot Take()
    {
        lock (_gate)
        {
            return new BoardSnapshot(_workflowId, _runId, _state, _startedAt, [.. _tasks]);
        }
    }

    /// <summary>A task started at its first attempt's claim or start, whichever event says earlier (they may arrive in either order).</summary>
    private static DateTimeOffset Earliest(DateTimeOffset? known, DateTimeOffset candidate)
        => known is { } value && value < candidate ? value : candidate;

    private void Update(string taskId, Func<TaskLine, TaskLine> change)
    {
        var index = _tasks.FindIndex(t => t.Id == taskId);
        if (index < 0)
        {
            _tasks.Add(change(new TaskLine(taskId, TaskState.Pending)));
        }
        else
        {
            _tasks[index] = change(_tasks[index]);
        }
    }
}
