using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>A task's new state, with the time of its next attempt when it waits for a retry.</summary>
public readonly record struct TaskTransition(int Task, TaskState State, DateTimeOffset? NextAttemptAt = null);

/// <summary>
/// A transition whose outcome follows from the task's state alone (no trigger rule, no retry policy): a store may
/// apply it to many rows in one statement, matching <see cref="From"/> and writing <see cref="To"/>.
/// </summary>
public readonly record struct OneOutcomeTransition(TaskState From, TaskState To);

/// <summary>
/// The task state machine of one run, free of I/O and time: it is told what happened (an attempt started,
/// succeeded, failed; a retry is due) and answers with the transitions that follow, including the trigger-rule
/// propagation to downstream tasks. The executor persists the transitions of one event together.
/// Only the downstream of a task that just reached a final state is re-evaluated, so a run costs O(edges).
/// </summary>
public sealed class RunStateMachine
{
    private readonly WorkflowPlan _plan;
    private readonly TaskState[] _states;
    private readonly int[] _attempts;
    private readonly int[] _maxAttempts;
    private int _unfinished;

    /// <summary>A worker claims a queued task: its next attempt starts (<see cref="AttemptStarted"/>).</summary>
    public static readonly OneOutcomeTransition StartAttempt = new(TaskState.Queued, TaskState.Running);

    /// <summary>A retry whose time has come goes back to the queue (<see cref="RetryDue"/>).</summary>
    public static readonly OneOutcomeTransition QueueDueRetry = new(TaskState.UpForRetry, TaskState.Queued);

    public RunStateMachine(WorkflowPlan plan)
    {
        _plan = plan;
        _states = new TaskState[plan.Tasks.Count];
        _attempts = new int[plan.Tasks.Count];
        _maxAttempts = plan.Tasks.Select(t => t.Retry.MaxAttempts).ToArray();
        _unfinished = plan.Tasks.Count;
    }

    /// <summary>Restores the machine of a run in progress from its persisted task states and attempt counts.</summary>
    /// <param name="maxAttempts">Attempt budgets per task (a cleared task gets a fresh one); null: from the plan.</param>
    public RunStateMachine(WorkflowPlan plan, IReadOnlyList<TaskState> states, IReadOnlyList<int> attempts, IReadOnlyList<int>? maxAttempts = null)
        : this(plan)
    {
        if (states.Count != plan.Tasks.Count || attempts.Count != plan.Tasks.Count || (maxAttempts is not null && maxAttempts.Count != plan.Tasks.Count))
        {
            throw new ArgumentException("one state and one attempt count per task of the plan are needed");
        }

        for (var i = 0; i < states.Count; i++)
        {
            _states[i] = states[i];
            _attempts[i] = attempts[i];
            _maxAttempts[i] = maxAttempts?[i] ?? _maxAttempts[i];
        }

        _unfinished = _states.Count(s => !s.IsFinal());
    }

    public TaskState StateOf(int task) => _states[task];

    /// <summary>The run's limit on parallel attempts.</summary>
    public int MaxActiveTasks => _plan.MaxActiveTasks;

    public int AttemptsOf(int task) => _attempts[task];

    /// <summary>True when every task is in a final state.</summary>
    public bool IsFinished => _unfinished == 0;

    /// <summary>Failed when any task failed or is upstream_failed, else succeeded (DESIGN: not Airflow's leaf rule).</summary>
    public RunState Outcome => _states.Any(s => s is TaskState.Failed or TaskState.UpstreamFailed)
        ? RunState.Failed
        : RunState.Succeeded;

    /// <summary>Queues the tasks that can run at the start (those without upstreams, and <c>always</c> tasks).</summary>
    public IReadOnlyList<TaskTransition> Start()
    {
        var changes = new List<TaskTransition>();
        foreach (var task in _plan.Tasks)
        {
            Evaluate(task.Index, changes);
        }

        return changes;
    }

    public IReadOnlyList<TaskTransition> AttemptStarted(int task)
    {
        Require(task, StartAttempt.From);
        _attempts[task]++;
        return [Set(task, StartAttempt.To)];
    }

    /// <param name="follow">For branching tasks, the direct downstream tasks to follow; the others are skipped.</param>
    public IReadOnlyList<TaskTransition> AttemptSucceeded(int task, IReadOnlyCollection<int>? follow = null)
    {
        Require(task, TaskState.Running);
        var changes = new List<TaskTransition> { Set(task, TaskState.Succeeded) };
        if (follow is not null)
        {
            foreach (var downstream in _plan.Tasks[task].Downstream)
            {
                if (!follow.Contains(downstream) && _states[downstream] == TaskState.Pending)
                {
                    changes.Add(Set(downstream, TaskState.Skipped));
                    Propagate(downstream, changes);
                }
            }
        }

        Propagate(task, changes);
        return changes;
    }

    /// <summary>
    /// A failed or timed-out attempt: up_for_retry while attempts remain and the policy retries the failure (a
    /// <paramref name="permanent"/> one only with <c>retryOn: any</c>), else failed.
    /// </summary>
    public IReadOnlyList<TaskTransition> AttemptFailed(int task, DateTimeOffset now, string jitterKey, bool permanent = false)
    {
        Require(task, TaskState.Running);
        var retry = _plan.Tasks[task].Retry;
        if (retry.Covers(permanent) && _attempts[task] < _maxAttempts[task])
        {
            var due = now + retry.DelayAfter(_attempts[task] - (_maxAttempts[task] - retry.MaxAttempts), jitterKey);
            return [Set(task, TaskState.UpForRetry, due)];
        }

        var changes = new List<TaskTransition> { Set(task, TaskState.Failed) };
        Propagate(task, changes);
        return changes;
    }

    public IReadOnlyList<TaskTransition> RetryDue(int task)
    {
        Require(task, QueueDueRetry.From);
        return [Set(task, QueueDueRetry.To)];
    }

    /// <summary>Ends a running attempt without retry in the given final state (run cancelled or timed out).</summary>
    public IReadOnlyList<TaskTransition> Abort(int task, TaskState finalState)
    {
        Require(task, TaskState.Running);
        return [Set(task, finalState)];
    }

    public int MaxAttemptsOf(int task) => _maxAttempts[task];

    /// <summary>
    /// A running attempt handed back by a worker that shuts down: the task is queued again and the released
    /// attempt does not count against its retries.
    /// </summary>
    public IReadOnlyList<TaskTransition> Release(int task)
    {
        Require(task, TaskState.Running);
        _maxAttempts[task]++;
        return [Set(task, TaskState.Queued)];
    }

    /// <summary>
    /// Clears final tasks back to pending with a fresh attempt budget (Airflow's "clear"); then <see cref="Start"/>
    /// re-evaluates them. Running and waiting tasks are left alone.
    /// </summary>
    public IReadOnlyList<TaskTransition> Clear(IEnumerable<int> tasks)
    {
        var changes = new List<TaskTransition>();
        foreach (var task in tasks.Distinct())
        {
            if (_states[task].IsFinal())
            {
                _maxAttempts[task] = _attempts[task] + _plan.Tasks[task].Retry.MaxAttempts;
                _unfinished++;
                _states[task] = TaskState.Pending;
                changes.Add(new TaskTransition(task, TaskState.Pending));
            }
        }

        return changes;
    }

    /// <summary>
    /// Takes a task's persisted state as it is now (a store refreshing a machine it keeps between events, after
    /// another node or a claim changed the task). Not a transition: nothing follows from it.
    /// </summary>
    public void Restore(int task, TaskState state, int attempts, int maxAttempts)
    {
        _unfinished += (_states[task].IsFinal() ? 1 : 0) - (state.IsFinal() ? 1 : 0);
        _states[task] = state;
        _attempts[task] = attempts;
        _maxAttempts[task] = maxAttempts;
    }

    /// <summary>A task and everything downstream of it, transitively.</summary>
    public IReadOnlyCollection<int> WithDownstream(IEnumerable<int> tasks)
    {
        var result = new HashSet<int>();
        var work = new Stack<int>(tasks);
        while (work.Count > 0)
        {
            var task = work.Pop();
            if (result.Add(task))
            {
                foreach (var downstream in _plan.Tasks[task].Downstream)
                {
                    work.Push(downstream);
                }
            }
        }

        return result;
    }

    /// <summary>Cancels every task that is neither final nor running.</summary>
    public IReadOnlyList<TaskTransition> CancelWaiting()
    {
        var changes = new List<TaskTransition>();
        for (var i = 0; i < _states.Length; i++)
        {
            if (!_states[i].IsFinal() && _states[i] != TaskState.Running)
            {
                changes.Add(Set(i, TaskState.Cancelled));
            }
        }

        return changes;
    }

    private void Propagate(int finishedTask, List<TaskTransition> changes)
    {
        var work = new Stack<int>();
        work.Push(finishedTask);
        while (work.Count > 0)
        {
            foreach (var downstream in _plan.Tasks[work.Pop()].Downstream)
            {
                if (Evaluate(downstream, changes) is TaskState.Skipped or TaskState.UpstreamFailed)
                {
                    work.Push(downstream);
                }
            }
        }
    }

    /// <summary>Applies the trigger rule to a pending task; returns its new state, if any.</summary>
    private TaskState? Evaluate(int task, List<TaskTransition> changes)
    {
        if (_states[task] != TaskState.Pending)
        {
            return null;
        }

        var plan = _plan.Tasks[task];
        var counts = UpstreamCounts.Of(plan.Upstream.Select(u => _states[u]));
        TaskState? next = TriggerRuleEvaluator.Decide(plan.Rule, counts) switch
        {
            TriggerDecision.Run => TaskState.Queued,
            TriggerDecision.Skip => TaskState.Skipped,
            TriggerDecision.UpstreamFailed => TaskState.UpstreamFailed,
            _ => null,
        };
        if (next is { } state)
        {
            changes.Add(Set(task, state));
        }

        return next;
    }

    private TaskTransition Set(int task, TaskState state, DateTimeOffset? nextAttemptAt = null)
    {
        if (!_states[task].IsFinal() && state.IsFinal())
        {
            _unfinished--;
        }

        _states[task] = state;
        return new TaskTransition(task, state, nextAttemptAt);
    }

    private void Require(int task, TaskState expected)
    {
        if (_states[task] != expected)
        {
            throw new InvalidOperationException($"task '{_plan.Tasks[task].Id}' is {_states[task]}, not {expected}");
        }
    }
}
