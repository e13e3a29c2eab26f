using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>Why a run ends before its tasks do: a user cancelled it, or it passed its <c>runTimeout</c>.</summary>
public enum RunStop
{
    Cancelled,
    TimedOut,
}

/// <summary>
/// The persisted state of one run — its record and task instances — with the state machine behind them.
/// Each event (start, attempt started, attempt ended, retry due, finish) returns the <see cref="RunChanges"/> to
/// persist together. The in-memory queue keeps one alive for the whole run; a database queue restores one from
/// its rows inside the transaction that records the event, so both apply exactly the same rules.
/// </summary>
public sealed class RunProgress
{
    private readonly WorkflowPlan _plan;
    private readonly TaskInstanceRecord[] _tasks;

    /// <param name="tasks">The run's task instances, in any order (matched to the plan by task id).</param>
    public RunProgress(WorkflowPlan plan, RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks)
    {
        _plan = plan;
        Run = run;
        var byId = tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        _tasks = plan.Tasks.Select(t => byId.TryGetValue(t.Id, out var record)
            ? record
            : throw new InvalidOperationException($"run {run.Id} has no task instance '{t.Id}'")).ToArray();
        Machine = new RunStateMachine(plan, _tasks.Select(t => t.State).ToArray(), _tasks.Select(t => t.Attempts).ToArray(), _tasks.Select(t => t.MaxAttempts).ToArray());
    }

    public RunRecord Run { get; private set; }

    public WorkflowPlan Plan => _plan;

    public IReadOnlyList<TaskInstanceRecord> Tasks => _tasks;

    public RunStateMachine Machine { get; }

    /// <summary>
    /// Takes the persisted run record and changed task instances as they are now, for a store that keeps the run's
    /// progress between events and refreshes it from the rows changed since (by other nodes, or by claims).
    /// </summary>
    public void Restore(RunRecord run, IEnumerable<TaskInstanceRecord> tasks)
    {
        Run = run;
        Restore(tasks);
    }

    /// <summary>Takes persisted task instances as they are now (see <see cref="Restore(RunRecord, IEnumerable{TaskInstanceRecord})"/>).</summary>
    public void Restore(IEnumerable<TaskInstanceRecord> tasks)
    {
        foreach (var task in tasks)
        {
            if (_plan.IndexOf.TryGetValue(task.TaskId, out var index))
            {
                _tasks[index] = task;
                Machine.Restore(index, task.State, task.Attempts, task.MaxAttempts);
            }
        }
    }

    /// <summary>When the run passes its <c>runTimeout</c>: its start plus the timeout; null without either.</summary>
    public DateTimeOffset? Deadline => Run.StartedAt + _plan.Definition.RunTimeout;

    /// <summary>
    /// Why a stop requested at <paramref name="requestedAt"/> stops the run: a request at or after the deadline is
    /// the run timeout (also when a user cancelled an overdue run), an earlier one a cancellation.
    /// </summary>
    public RunStop StopOf(DateTimeOffset requestedAt) => Deadline <= requestedAt ? RunStop.TimedOut : RunStop.Cancelled;

    /// <summary>A new run and its pending task instances, ready to be created in a store.</summary>
    public static (RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks) New(WorkflowPlan plan, RunContext context, DateTimeOffset now)
    {
        var run = new RunRecord
        {
            Id = context.RunId,
            WorkflowId = context.WorkflowId,
            WorkflowVersion = context.WorkflowVersion,
            Kind = context.Kind,
            State = RunState.Queued,
            LogicalDate = context.LogicalDate,
            DataIntervalStart = context.DataIntervalStart,
            DataIntervalEnd = context.DataIntervalEnd,
            Params = context.Params,
            CreatedAt = now,
            Trigger = context.Trigger,
        };
        var tasks = plan.Tasks.Select(t => new TaskInstanceRecord
        {
            RunId = context.RunId,
            TaskId = t.Id,
            State = TaskState.Pending,
            MaxAttempts = t.Retry.MaxAttempts,
        }).ToArray();
        return (run, tasks);
    }

    /// <summary>The run starts: it is running and the tasks that can run are queued.</summary>
    public RunChanges Start(DateTimeOffset now)
    {
        Run = Run with { State = RunState.Running, StartedAt = now };
        return Changes(Machine.Start(), now, runChanged: true);
    }

    public RunChanges StartAttempt(int task, DateTimeOffset now, out AttemptRecord attempt, string? worker = null)
    {
        var transitions = Machine.AttemptStarted(task);
        attempt = new AttemptRecord { RunId = Run.Id, TaskId = _plan.Tasks[task].Id, Number = Machine.AttemptsOf(task), StartedAt = now, Worker = worker };
        return Changes(transitions, now, attempt: attempt);
    }

    /// <summary>
    /// Records how an attempt ended and what follows: outputs and branch skips on success; a retry or a failure
    /// (with trigger-rule propagation) otherwise. With <paramref name="stop"/> the task ends without retry:
    /// cancelled, or failed by the run timeout.
    /// </summary>
    public RunChanges EndAttempt(int task, AttemptRecord attempt, AttemptResult result, DateTimeOffset now, RunStop? stop = null)
    {
        var (abortAs, abortReason) = stop switch
        {
            RunStop.Cancelled => ((TaskState?)TaskState.Cancelled, "cancelled"),
            RunStop.TimedOut => (TaskState.Failed, "stopped: the run timed out"),
            _ => (null, null),
        };
        var taskPlan = _plan.Tasks[task];
        attempt = attempt with { EndedAt = result.EndedAt, Outcome = result.Outcome, Error = result.Error, Inputs = result.Inputs ?? attempt.Inputs };
        IReadOnlyList<TaskTransition> transitions;
        IReadOnlyCollection<int>? follow = null;
        string? branchError = null;
        if (abortAs is { } finalState && result.Outcome != AttemptOutcome.Succeeded)
        {
            attempt = attempt with
            {
                Outcome = finalState == TaskState.Cancelled ? AttemptOutcome.Cancelled : AttemptOutcome.TimedOut,
                Error = abortReason ?? result.Error,
            };
            _tasks[task] = _tasks[task] with { Error = attempt.Error };
            transitions = Machine.Abort(task, finalState);
        }
        else if (result.Outcome == AttemptOutcome.Succeeded && BranchTargets(taskPlan, result.Follow, out follow, out branchError))
        {
            _tasks[task] = _tasks[task] with { Outputs = result.Outputs, Error = null };
            transitions = Machine.AttemptSucceeded(task, follow);
        }
        else
        {
            var error = result.Outcome == AttemptOutcome.Succeeded ? branchError : result.Error;
            attempt = attempt with { Outcome = result.Outcome == AttemptOutcome.Succeeded ? AttemptOutcome.Failed : result.Outcome, Error = error };
            _tasks[task] = _tasks[task] with { Error = error };
            transitions = Machine.AttemptFailed(task, result.EndedAt, $"{Run.Id}/{taskPlan.Id}/{attempt.Number}", result.Permanent is not null);
        }

        return Changes(transitions, now, attempt: attempt);
    }

    public RunChanges RetryDue(int task, DateTimeOffset now) => Changes(Machine.RetryDue(task), now);

    /// <summary>Records an attempt released at shutdown (cancelled, not counted) and queues the task again.</summary>
    public RunChanges ReleaseAttempt(int task, AttemptRecord attempt, string reason, DateTimeOffset now)
    {
        attempt = attempt with { EndedAt = now, Outcome = AttemptOutcome.Cancelled, Error = reason };
        return Changes(Machine.Release(task), now, attempt: attempt);
    }

    /// <summary>
    /// Clears tasks (optionally with their downstream) back to pending with fresh attempts; a finished run goes
    /// back to queued so a worker starts it again. Returns null when no task could be cleared.
    /// </summary>
    public RunChanges? Clear(IReadOnlyCollection<string> taskIds, bool downstream, DateTimeOffset now)
    {
        var indices = taskIds.Select(id => _plan.IndexOf.TryGetValue(id, out var i) ? i : throw new ArgumentException($"run {Run.Id} has no task '{id}'")).ToList();
        var cleared = Machine.Clear(downstream ? Machine.WithDownstream(indices) : indices);
        if (cleared.Count == 0)
        {
            return null;
        }

        foreach (var t in cleared)
        {
            _tasks[t.Task] = _tasks[t.Task] with { Outputs = null, Error = null, EndedAt = null, StartedAt = null, NextAttemptAt = null };
        }

        var finished = Run.State.IsFinal();
        if (finished)
        {
            Run = Run with { State = RunState.Queued, EndedAt = null, Error = null };
        }

        return Changes(cleared, now, runChanged: finished);
    }

    /// <summary>Queues the pending tasks whose trigger rules now allow them (after a clear of a running run).</summary>
    public RunChanges Reevaluate(DateTimeOffset now) => Changes(Machine.Start(), now);

    /// <summary>
    /// Ends the run: waiting tasks are cancelled when it was stopped; the state is the machine's outcome unless
    /// <paramref name="stop"/> says otherwise (cancelled, or failed by the run timeout).
    /// </summary>
    public RunChanges Finish(DateTimeOffset now, RunStop? stop = null)
    {
        var waiting = stop is null ? [] : Machine.CancelWaiting();
        var (state, error) = stop switch
        {
            RunStop.Cancelled => (RunState.Cancelled, "cancelled"),
            RunStop.TimedOut => (RunState.Failed, $"run timed out after {Json.IsoDuration.Format(_plan.Definition.RunTimeout!.Value)}"),
            _ => (Machine.Outcome, Machine.Outcome == RunState.Failed ? FirstError() : null),
        };
        Run = Run with { State = state, EndedAt = now, Error = error };
        return Changes(waiting, now, runChanged: true);
    }

    private bool BranchTargets(TaskPlan task, IReadOnlyList<string>? follow, out IReadOnlyCollection<int>? targets, out string? error)
    {
        targets = null;
        error = null;
        if (follow is null)
        {
            return true;
        }

        var indices = new HashSet<int>();
        foreach (var id in follow)
        {
            if (!_plan.IndexOf.TryGetValue(id, out var index) || !task.Downstream.Contains(index))
            {
                var direct = string.Join(", ", task.Downstream.Select(d => _plan.Tasks[d].Id));
                error = $"branch chose '{id}', which is not a direct downstream task (choose among: {(direct.Length == 0 ? "none" : direct)})";
                return false;
            }

            indices.Add(index);
        }

        targets = indices;
        return true;
    }

    private string? FirstError()
        => _tasks.FirstOrDefault(t => t.State == TaskState.Failed) is { } failed
            ? $"task '{failed.TaskId}' failed: {failed.Error}"
            : _tasks.Any(t => t.State == TaskState.UpstreamFailed) ? "upstream tasks failed" : null;

    private RunChanges Changes(IReadOnlyList<TaskTransition> transitions, DateTimeOffset now, AttemptRecord? attempt = null, bool runChanged = false)
    {
        var changed = new List<TaskInstanceRecord>(transitions.Count);
        foreach (var t in transitions)
        {
            var record = _tasks[t.Task] with
            {
                State = t.State,
                Attempts = Machine.AttemptsOf(t.Task),
                MaxAttempts = Machine.MaxAttemptsOf(t.Task),
                NextAttemptAt = t.NextAttemptAt,
            };
            if (t.State == TaskState.Running && record.StartedAt is null)
            {
                record = record with { StartedAt = now };
            }

            if (t.State.IsFinal())
            {
                record = record with { EndedAt = now };
            }

            _tasks[t.Task] = record;
            changed.Add(record);
        }

        return new RunChanges(runChanged ? Run : null, changed, attempt is null ? [] : [attempt]);
    }
}
