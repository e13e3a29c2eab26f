using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

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
            DataIntervalEnd = DataIntervals.ForLogicalDate(plan.Definition, logicalDate).End,
            Params = parameters,
            Vars = request.Vars ?? new Dictionary<string, string>(),
        };

        await versions.SaveAsync(new WorkflowVersionRecord(plan.WorkflowId, plan.Version, WorkflowPlan.CanonicalJson(plan.Definition), now), cancellationToken).ConfigureAwait(false);
        var execution = new Execution(this, plan, context, observer);
        await execution.CreateAsync(now, cancellationToken).ConfigureAwait(false);
        return await execution.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One run while it executes: dispatch, timers and the <see cref="RunProgress"/>. Only its loop mutates it.</summary>
    private sealed class Execution(WorkflowRunner owner, WorkflowPlan plan, RunContext context, IRunObserver? observer)
    {
        private readonly Dictionary<(int Task, int Attempt), AttemptRecord> _attempts = [];
        private readonly Queue<int> _queue = new();
        private readonly PriorityQueue<int, DateTimeOffset> _retries = new();
        private readonly Channel<(int Task, int Attempt, AttemptResult Result)> _completions =
            Channel.CreateUnbounded<(int, int, AttemptResult)>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Dictionary<string, JsonElement> _outputs = new(StringComparer.Ordinal);
        private RunProgress _progress = null!;
        private int _running;

        private TimeProvider Time => owner._time;

        public async Task CreateAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            var (run, tasks) = RunProgress.New(plan, context, now);
            await owner._runs.CreateAsync(run, tasks, cancellationToken).ConfigureAwait(false);
            _progress = new RunProgress(plan, run, tasks);
            Publish(new RunStateChanged(run.Id, now, run.WorkflowId, run.State, null));
        }

        public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var startedAt = Time.GetUtcNow();
            await SaveAsync(_progress.Start(startedAt), startedAt).ConfigureAwait(false);
            LogRunStarted(owner._logger, context.WorkflowId, context.RunId, plan.Tasks.Count);

            var deadline = _progress.Deadline;
            var cancelled = false;
            var timedOut = false;

            while (true)
            {
                while (!stop.IsCancellationRequested && _running < plan.MaxActiveTasks && _queue.TryDequeue(out var next))
                {
                    await StartAttemptAsync(next, stop.Token).ConfigureAwait(false);
                }

                if (_running == 0 && (_progress.Machine.IsFinished || stop.IsCancellationRequested))
                {
                    break;
                }

                var now = Time.GetUtcNow();
                if (!stop.IsCancellationRequested && _retries.TryPeek(out var retryTask, out var due) && due <= now)
                {
                    _retries.Dequeue();
                    await SaveAsync(_progress.RetryDue(retryTask, now), now).ConfigureAwait(false);
                    continue;
                }

                if (!stop.IsCancellationRequested && deadline <= now)
                {
                    timedOut = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                    continue;
                }

                await WaitAsync(stop.IsCancellationRequested ? null : deadline, stop.Token).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested && !timedOut)
                {
                    cancelled = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                }

                while (_completions.Reader.TryRead(out var completion))
                {
                    _running--;
                    RunStop? stopped = (cancelled, timedOut) switch
                    {
                        (_, true) => RunStop.TimedOut,
                        (true, _) => RunStop.Cancelled,
                        _ => null,
                    };
                    var at = Time.GetUtcNow();
                    var attempt = _attempts[(completion.Task, completion.Attempt)];
                    var changes = _progress.EndAttempt(completion.Task, attempt, completion.Result, at, stopped);
                    _attempts[(completion.Task, completion.Attempt)] = changes.Attempts[0];
                    if (completion.Result.Outcome == AttemptOutcome.Succeeded && _progress.Machine.StateOf(completion.Task) == TaskState.Succeeded)
                    {
                        _outputs[plan.Tasks[completion.Task].Id] = completion.Result.Outputs!.Value;
                    }

                    await SaveAsync(changes, at).ConfigureAwait(false);
                }
            }

            var endedAt = Time.GetUtcNow();
            var finish = (cancelled, timedOut) switch
            {
                (_, true) => _progress.Finish(endedAt, RunStop.TimedOut),
                (true, _) => _progress.Finish(endedAt, RunStop.Cancelled),
                _ => _progress.Finish(endedAt),
            };
            await SaveAsync(finish, endedAt).ConfigureAwait(false);
            LogRunEnded(owner._logger, context.WorkflowId, context.RunId, _progress.Run.State);
            return new RunResult(_progress.Run, [.. _progress.Tasks], _attempts.Values.OrderBy(a => a.TaskId, StringComparer.Ordinal).ThenBy(a => a.Number).ToList());
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
            var now = Time.GetUtcNow();
            var changes = _progress.StartAttempt(task, now, out var attempt);
            _attempts[(task, attempt.Number)] = attempt;
            await SaveAsync(changes, now).ConfigureAwait(false);

            var taskPlan = plan.Tasks[task];
            var upstreamOutputs = taskPlan.ReadsOutputsOf.Count == 0
                ? (IReadOnlyDictionary<string, JsonElement>)_outputs
                : taskPlan.ReadsOutputsOf.Where(_outputs.ContainsKey).ToDictionary(id => id, id => _outputs[id]);
            _running++;
            var number = attempt.Number;
            _ = Task.Run(async () =>
            {
                var result = await owner._attempts.RunAsync(plan, taskPlan, context, number, upstreamOutputs, observer, stop).ConfigureAwait(false);
                await _completions.Writer.WriteAsync((Task: task, Attempt: number, Result: result), CancellationToken.None).ConfigureAwait(false);
            }, CancellationToken.None);
        }

        /// <summary>Persists the changes of one event in one store call, then publishes and acts on them.</summary>
        private async Task SaveAsync(RunChanges changes, DateTimeOffset now)
        {
            await owner._runs.SaveAsync(changes, CancellationToken.None).ConfigureAwait(false);
            if (changes.Run is { } run)
            {
                Publish(new RunStateChanged(run.Id, now, run.WorkflowId, run.State, run.Error));
            }

            foreach (var record in changes.Tasks)
            {
                Publish(new TaskStateChanged(context.RunId, now, record.TaskId, record.State, record.Attempts, record.NextAttemptAt, record.Error, context.WorkflowId));
                switch (record.State)
                {
                    case TaskState.Queued:
                        _queue.Enqueue(plan.IndexOf[record.TaskId]);
                        break;
                    case TaskState.UpForRetry:
                        _retries.Enqueue(plan.IndexOf[record.TaskId], record.NextAttemptAt!.Value);
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
