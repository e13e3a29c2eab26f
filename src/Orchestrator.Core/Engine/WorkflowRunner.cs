using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orchestrator.Model;
using Orchestrator.Storage;

namespace Orchestrator.Engine;

/// <summary>
/// Executes one run in this process: creates it in the store, then loops — dispatch queued tasks up to
/// <c>maxActiveTasks</c>, wait for an attempt to end, a retry to fall due, the run timeout or cancellation —
/// and persists every transition before acting on it. All waiting goes through the injected
/// <see cref="TimeProvider"/>, so tests drive retries and timeouts with a fake clock.
/// </summary>
public sealed partial class WorkflowRunner(
    IRunStore runs,
    IWorkflowVersionStore versions,
    AttemptRunner attempts,
    TimeProvider time,
    ILogger<WorkflowRunner> logger)
{
    private readonly IRunStore _runs = runs;
    private readonly AttemptRunner _attempts = attempts;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    public async Task<RunResult> RunAsync(WorkflowPlan plan, RunRequest request, IRunObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var parameters = ParamResolver.Resolve(plan.Definition.Params, request.Params);
        var now = _time.GetUtcNow();
        var logicalDate = request.LogicalDate ?? now;
        var context = new RunContext
        {
            RunId = Guid.CreateVersion7(now),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = request.Kind,
            LogicalDate = logicalDate,
            DataIntervalStart = logicalDate,
            DataIntervalEnd = DataIntervalEnd(plan.Definition, logicalDate),
            Params = parameters,
            Vars = request.Vars ?? new Dictionary<string, string>(),
        };

        await versions.SaveAsync(new WorkflowVersionRecord(plan.WorkflowId, plan.Version, WorkflowPlan.CanonicalJson(plan.Definition), now), cancellationToken).ConfigureAwait(false);
        var execution = new Execution(this, plan, context, observer);
        await execution.CreateAsync(now, cancellationToken).ConfigureAwait(false);
        return await execution.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset DataIntervalEnd(WorkflowDefinition definition, DateTimeOffset logicalDate)
        => definition.Schedule is { } schedule
           && CronSchedule.TryParse(schedule.Cron, schedule.Timezone, out var cron, out _)
           && cron!.NextAfter(logicalDate) is { } next
            ? next
            : logicalDate;

    /// <summary>The state of one run while it executes. Only the loop in <see cref="RunAsync"/> mutates it.</summary>
    private sealed class Execution(WorkflowRunner owner, WorkflowPlan plan, RunContext context, IRunObserver? observer)
    {
        private readonly RunStateMachine _machine = new(plan);
        private readonly TaskInstanceRecord[] _tasks = new TaskInstanceRecord[plan.Tasks.Count];
        private readonly Dictionary<(int Task, int Attempt), AttemptRecord> _attempts = [];
        private readonly Queue<int> _queue = new();
        private readonly PriorityQueue<int, DateTimeOffset> _retries = new();
        private readonly Channel<(int Task, int Attempt, AttemptResult Result)> _completions =
            Channel.CreateUnbounded<(int, int, AttemptResult)>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Dictionary<string, JsonElement> _outputs = new(StringComparer.Ordinal);
        private RunRecord _run = null!;
        private int _running;

        private TimeProvider Time => owner._time;

        public async Task CreateAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            _run = new RunRecord
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
            };
            for (var i = 0; i < _tasks.Length; i++)
            {
                _tasks[i] = new TaskInstanceRecord
                {
                    RunId = context.RunId,
                    TaskId = plan.Tasks[i].Id,
                    State = TaskState.Pending,
                    MaxAttempts = plan.Tasks[i].Retry.MaxAttempts,
                };
            }

            await owner._runs.CreateAsync(_run, _tasks, cancellationToken).ConfigureAwait(false);
            Publish(new RunStateChanged(_run.Id, now, _run.WorkflowId, _run.State, null));
        }

        public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var startedAt = Time.GetUtcNow();
            _run = _run with { State = RunState.Running, StartedAt = startedAt };
            await SaveAsync(_machine.Start(), runChanged: true).ConfigureAwait(false);
            LogRunStarted(owner._logger, _run.WorkflowId, _run.Id, plan.Tasks.Count);

            var deadline = plan.Definition.RunTimeout is { } runTimeout ? startedAt + runTimeout : (DateTimeOffset?)null;
            var cancelled = false;
            var timedOut = false;

            while (true)
            {
                while (!stop.IsCancellationRequested && _running < plan.MaxActiveTasks && _queue.TryDequeue(out var next))
                {
                    await StartAttemptAsync(next, stop.Token).ConfigureAwait(false);
                }

                if (_running == 0 && (_machine.IsFinished || stop.IsCancellationRequested))
                {
                    break;
                }

                var now = Time.GetUtcNow();
                if (!stop.IsCancellationRequested && _retries.TryPeek(out var retryTask, out var due) && due <= now)
                {
                    _retries.Dequeue();
                    await SaveAsync(_machine.RetryDue(retryTask)).ConfigureAwait(false);
                    continue;
                }

                if (!stop.IsCancellationRequested && deadline <= now)
                {
                    timedOut = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                    continue;
                }

                await WaitAsync(stop.IsCancellationRequested ? null : deadline, stop.Token).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    cancelled = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                }

                cancelled |= cancellationToken.IsCancellationRequested && !timedOut;
                while (_completions.Reader.TryRead(out var completion))
                {
                    _running--;
                    await CompleteAttemptAsync(completion.Task, completion.Attempt, completion.Result, cancelled, timedOut).ConfigureAwait(false);
                }
            }

            var endedAt = Time.GetUtcNow();
            var waiting = stop.IsCancellationRequested ? _machine.CancelWaiting() : [];
            var (state, error) = (cancelled, timedOut) switch
            {
                (_, true) => (RunState.Failed, $"run timed out after {Json.IsoDuration.Format(plan.Definition.RunTimeout!.Value)}"),
                (true, _) => (RunState.Cancelled, "cancelled"),
                _ => (_machine.Outcome, _machine.Outcome == RunState.Failed ? FirstError() : null),
            };
            _run = _run with { State = state, EndedAt = endedAt, Error = error };
            await SaveAsync(waiting, runChanged: true).ConfigureAwait(false);
            LogRunEnded(owner._logger, _run.WorkflowId, _run.Id, state);
            return new RunResult(_run, [.. _tasks], _attempts.Values.OrderBy(a => a.TaskId, StringComparer.Ordinal).ThenBy(a => a.Number).ToList());
        }

        /// <summary>Waits for an attempt to end, the next retry, the deadline or cancellation, whichever is first.</summary>
        private async Task WaitAsync(DateTimeOffset? deadline, CancellationToken stop)
        {
            DateTimeOffset? wakeAt = deadline;
            if (!stop.IsCancellationRequested && _retries.TryPeek(out _, out var due) && (wakeAt is null || due < wakeAt))
            {
                wakeAt = due;
            }

            // Linked to stop so cancellation wakes the loop, unless already stopping (then only completions matter).
            using var waitCancellation = stop.IsCancellationRequested
                ? new CancellationTokenSource()
                : CancellationTokenSource.CreateLinkedTokenSource(stop);
            var waits = new List<Task> { _completions.Reader.WaitToReadAsync(waitCancellation.Token).AsTask() };
            var now = Time.GetUtcNow();
            if (wakeAt is { } at)
            {
                if (at <= now)
                {
                    return;
                }

                waits.Add(Task.Delay(at - now, Time, waitCancellation.Token));
            }

            Publish(new RunWaiting(context.RunId, now, _running, wakeAt));
            await Task.WhenAny(waits).ConfigureAwait(false);
            await waitCancellation.CancelAsync().ConfigureAwait(false);
        }

        private async Task StartAttemptAsync(int task, CancellationToken stop)
        {
            var number = _machine.AttemptsOf(task) + 1;
            var attempt = new AttemptRecord { RunId = context.RunId, TaskId = plan.Tasks[task].Id, Number = number, StartedAt = Time.GetUtcNow() };
            _attempts[(task, number)] = attempt;
            await SaveAsync(_machine.AttemptStarted(task), attempt: attempt).ConfigureAwait(false);

            var taskPlan = plan.Tasks[task];
            var upstreamOutputs = taskPlan.ReadsOutputsOf.Count == 0
                ? (IReadOnlyDictionary<string, JsonElement>)_outputs
                : taskPlan.ReadsOutputsOf.Where(_outputs.ContainsKey).ToDictionary(id => id, id => _outputs[id]);
            _running++;
            _ = Task.Run(async () =>
            {
                var result = await owner._attempts.RunAsync(plan, taskPlan, context, number, upstreamOutputs, observer, stop).ConfigureAwait(false);
                await _completions.Writer.WriteAsync((Task: task, Attempt: number, Result: result), CancellationToken.None).ConfigureAwait(false);
            }, CancellationToken.None);
        }

        private async Task CompleteAttemptAsync(int task, int number, AttemptResult result, bool cancelled, bool timedOut)
        {
            var taskPlan = plan.Tasks[task];
            var attempt = _attempts[(task, number)] with { EndedAt = result.EndedAt, Outcome = result.Outcome, Error = result.Error };
            _attempts[(task, number)] = attempt;

            IReadOnlyList<TaskTransition> transitions;
            IReadOnlyCollection<int>? follow = null;
            string? branchError = null;
            var succeeded = result.Outcome == AttemptOutcome.Succeeded && BranchTargets(taskPlan, result.Follow, out follow, out branchError);
            if (succeeded)
            {
                _outputs[taskPlan.Id] = result.Outputs!.Value;
                _tasks[task] = _tasks[task] with { Outputs = result.Outputs };
                transitions = _machine.AttemptSucceeded(task, follow);
            }
            else if (result.Outcome == AttemptOutcome.Succeeded)
            {
                attempt = attempt with { Outcome = AttemptOutcome.Failed, Error = branchError };
                _attempts[(task, number)] = attempt;
                _tasks[task] = _tasks[task] with { Error = branchError };
                transitions = _machine.AttemptFailed(task, result.EndedAt, JitterKey(task, number));
            }
            else if (cancelled || timedOut)
            {
                var error = timedOut ? "stopped: the run timed out" : "cancelled";
                attempt = attempt with { Outcome = timedOut ? AttemptOutcome.TimedOut : AttemptOutcome.Cancelled, Error = error };
                _attempts[(task, number)] = attempt;
                _tasks[task] = _tasks[task] with { Error = error };
                transitions = _machine.Abort(task, timedOut ? TaskState.Failed : TaskState.Cancelled);
            }
            else
            {
                _tasks[task] = _tasks[task] with { Error = result.Error };
                transitions = _machine.AttemptFailed(task, result.EndedAt, JitterKey(task, number));
            }

            await SaveAsync(transitions, attempt: attempt).ConfigureAwait(false);
        }

        private string JitterKey(int task, int attempt) => $"{context.RunId}/{plan.Tasks[task].Id}/{attempt}";

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
                if (!plan.IndexOf.TryGetValue(id, out var index) || !task.Downstream.Contains(index))
                {
                    var direct = string.Join(", ", task.Downstream.Select(d => plan.Tasks[d].Id));
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

        /// <summary>Persists transitions (plus the attempt and run, if given) in one store call, then acts on them.</summary>
        private async Task SaveAsync(IReadOnlyList<TaskTransition> transitions, AttemptRecord? attempt = null, bool runChanged = false)
        {
            var now = Time.GetUtcNow();
            var changed = new List<TaskInstanceRecord>(transitions.Count);
            foreach (var t in transitions)
            {
                var record = _tasks[t.Task] with
                {
                    State = t.State,
                    Attempts = _machine.AttemptsOf(t.Task),
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

                if (t.State == TaskState.Succeeded)
                {
                    record = record with { Error = null };
                }

                _tasks[t.Task] = record;
                changed.Add(record);
            }

            await owner._runs.SaveAsync(new RunChanges(runChanged ? _run : null, changed, attempt is null ? [] : [attempt]), CancellationToken.None).ConfigureAwait(false);

            if (runChanged)
            {
                Publish(new RunStateChanged(_run.Id, now, _run.WorkflowId, _run.State, _run.Error));
            }

            foreach (var t in transitions)
            {
                var record = _tasks[t.Task];
                Publish(new TaskStateChanged(context.RunId, now, record.TaskId, record.State, record.Attempts, record.NextAttemptAt, record.Error));
                switch (t.State)
                {
                    case TaskState.Queued:
                        _queue.Enqueue(t.Task);
                        break;
                    case TaskState.UpForRetry:
                        _retries.Enqueue(t.Task, t.NextAttemptAt!.Value);
                        break;
                }
            }
        }

        private void Publish(RunEvent runEvent) => observer?.OnEvent(runEvent);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {WorkflowId} started with {TaskCount} tasks")]
    private static partial void LogRunStarted(ILogger logger, string workflowId, Guid runId, int taskCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {WorkflowId} ended {State}")]
    private static partial void LogRunEnded(ILogger logger, string workflowId, Guid runId, RunState state);
}
