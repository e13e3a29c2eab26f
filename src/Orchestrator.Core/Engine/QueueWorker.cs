using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>How one worker behaves: its name (unique per node), slots, lease and timings.</summary>
public sealed record WorkerSettings
{
    public required string Name { get; init; }
    public int Slots { get; init; } = 8;
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest sleep without a wake-up signal (other nodes' work arrives by notification or this).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Named pools and their slot counts (the same on every node).</summary>
    public IReadOnlyDictionary<string, int> Pools { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// The execution loop of a server node (Hangfire-style): start queued runs, claim task instances up to the free
/// slots, run their attempts, record each end through the queue, renew leases by heartbeat and expire the leases
/// of dead nodes. Wakes on <see cref="QueueSignal"/>, attempt completions, the next retry or heartbeat, and at
/// worst every <see cref="WorkerSettings.PollInterval"/>.
/// </summary>
public sealed partial class QueueWorker(
    IRunQueue queue,
    IRunStore runs,
    IWorkflowPlans plans,
    AttemptRunner attempts,
    QueueSignal signal,
    TimeProvider time,
    WorkerSettings settings,
    ILogger<QueueWorker> logger,
    IRunObserver? observer = null)
{
    private readonly Dictionary<(Guid Run, string Task), Running> _running = [];
    private readonly Dictionary<Guid, RunContext> _contexts = [];
    private DateTimeOffset _nextExpiryCheck = DateTimeOffset.MinValue;

    /// <summary>Ended attempts not recorded yet (the database did not answer): written on a later pass, their leases renewed meanwhile.</summary>
    private readonly List<AttemptCompletion> _unrecorded = [];

    /// <summary>When a pass or heartbeat last failed (the database did not answer); MinValue when none has.</summary>
    private DateTimeOffset _lastFailureAt = DateTimeOffset.MinValue;

    private sealed record Running(ClaimedTask Claim, CancellationTokenSource Cancellation, Task<AttemptResult> Attempt)
    {
        /// <summary>Cancelled because this worker shuts down, not because the run was cancelled.</summary>
        public bool Released { get; set; }
    }

    public int RunningCount => _running.Count;

    /// <summary>Completes when every attempt this worker started has ended (they still need a step to be recorded).</summary>
    public Task AttemptsEndedAsync() => Task.WhenAll(_running.Values.Select(r => r.Attempt));

    /// <summary>Runs until <paramref name="stopping"/>; then stops claiming and waits for running attempts up to <paramref name="grace"/>.</summary>
    public async Task RunAsync(CancellationToken stopping, TimeSpan grace = default)
    {
        var nextHeartbeat = time.GetUtcNow() + settings.HeartbeatInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await StepAsync().ConfigureAwait(false);
                var now = time.GetUtcNow();
                if (now >= nextHeartbeat)
                {
                    await HeartbeatAsync().ConfigureAwait(false);
                    nextHeartbeat = now + settings.HeartbeatInterval;
                }

                await WaitAsync(nextHeartbeat, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLoopFailed(logger, settings.Name, e);
                await Task.Delay(settings.PollInterval, time, stopping).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        await DrainAsync(grace).ConfigureAwait(false);
    }

    /// <summary>One pass: record finished attempts, start runs, expire dead leases, claim and start new attempts.</summary>
    public Task StepAsync() => NotingFailuresAsync(StepOnceAsync);

    /// <summary>Renews the leases of running attempts (and of ended ones not recorded yet), cancels those whose run is being cancelled.</summary>
    public Task HeartbeatAsync() => NotingFailuresAsync(HeartbeatOnceAsync);

    private async Task NotingFailuresAsync(Func<Task> pass)
    {
        try
        {
            await pass().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _lastFailureAt = time.GetUtcNow();
            throw;
        }
    }

    private async Task StepOnceAsync()
    {
        await CollectFinishedAsync().ConfigureAwait(false);
        var now = time.GetUtcNow();
        if ((await queue.StartRunsAsync(plans, now, CancellationToken.None).ConfigureAwait(false)).Count > 0)
        {
            signal.Pulse();
        }

        // The watchdog (dead nodes' leases, overdue runs): at most once per heartbeat interval, not on every pass.
        // After this worker lost the database, not before it has been back for a whole lease: no node could renew
        // during the outage, and every live node needs a heartbeat's chance to renew before its leases count as dead.
        if (now >= _nextExpiryCheck && now - _lastFailureAt >= settings.LeaseDuration)
        {
            _nextExpiryCheck = now + settings.HeartbeatInterval;
            var ended = await queue.ExpireLeasesAsync(plans, now, CancellationToken.None).ConfigureAwait(false)
                + await queue.StopOverdueRunsAsync(plans, now, CancellationToken.None).ConfigureAwait(false);
            if (ended > 0)
            {
                signal.Pulse();
            }
        }

        var free = settings.Slots - _running.Count;
        if (free <= 0)
        {
            return;
        }

        var request = new ClaimRequest(settings.Name, free, now, now + settings.LeaseDuration) { Pools = settings.Pools };
        var claims = await queue.ClaimAsync(request, plans, CancellationToken.None).ConfigureAwait(false);
        foreach (var claim in claims)
        {
            await StartAsync(claim).ConfigureAwait(false);
        }
    }

    private async Task StartAsync(ClaimedTask claim)
    {
        var plan = plans.Find(claim.WorkflowId, claim.WorkflowVersion);
        var cancellation = new CancellationTokenSource();
        Task<AttemptResult> attempt;
        if (plan is null)
        {
            var now = time.GetUtcNow();
            attempt = Task.FromResult(new AttemptResult(Model.AttemptOutcome.Failed, now, now,
                Error: $"workflow {claim.WorkflowId} version {claim.WorkflowVersion} is not available on worker {settings.Name}"));
        }
        else if (plan.Tasks[plan.IndexOf[claim.TaskId]] is { Pool: { } pool } && !settings.Pools.ContainsKey(pool))
        {
            var now = time.GetUtcNow();
            attempt = Task.FromResult(new AttemptResult(Model.AttemptOutcome.Failed, now, now,
                Error: $"pool '{pool}' is not configured on worker {settings.Name} (set Orchestrator:Pools:{pool} to its slot count)"));
        }
        else
        {
            var task = plan.Tasks[plan.IndexOf[claim.TaskId]];
            var context = await ContextAsync(claim).ConfigureAwait(false);
            var outputs = task.ReadsOutputsOf.Count == 0
                ? new Dictionary<string, JsonElement>()
                : await queue.OutputsAsync(claim.RunId, task.ReadsOutputsOf, CancellationToken.None).ConfigureAwait(false);
            attempt = Task.Run(() => attempts.RunAsync(plan, task, context, claim.Attempt, outputs, observer, cancellation.Token), CancellationToken.None);
        }

        _running[(claim.RunId, claim.TaskId)] = new Running(claim, cancellation, attempt);
        _ = attempt.ContinueWith(static (_, s) => ((QueueSignal)s!).Pulse(), signal, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<RunContext> ContextAsync(ClaimedTask claim)
    {
        if (_contexts.TryGetValue(claim.RunId, out var known))
        {
            return known;
        }

        var run = await runs.FindAsync(claim.RunId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"run {claim.RunId} not found");
        var context = new RunContext
        {
            RunId = run.Id,
            WorkflowId = run.WorkflowId,
            WorkflowVersion = run.WorkflowVersion,
            Kind = run.Kind,
            LogicalDate = run.LogicalDate,
            DataIntervalStart = run.DataIntervalStart,
            DataIntervalEnd = run.DataIntervalEnd,
            Params = run.Params,
            Trigger = run.Trigger,
        };
        _contexts[claim.RunId] = context;
        return context;
    }

    private async Task CollectFinishedAsync()
    {
        foreach (var (key, running) in _running.Where(r => r.Value.Attempt.IsCompleted).ToList())
        {
            _running.Remove(key);
            running.Cancellation.Dispose();
            var result = await running.Attempt.ConfigureAwait(false);
            _unrecorded.Add(new AttemptCompletion(running.Claim, result, running.Released && result.Outcome == Model.AttemptOutcome.Cancelled));
        }

        if (_unrecorded.Count == 0)
        {
            return;
        }

        // Kept until written: a completion lost to a database outage would leave its lease to expire and the task
        // to run again.
        var completions = _unrecorded.ToList();
        var recorded = await queue.CompleteAsync(completions, plans, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        _unrecorded.Clear();
        for (var i = 0; i < completions.Count; i++)
        {
            if (!recorded[i])
            {
                LogLeaseLost(logger, settings.Name, completions[i].Task.TaskId, completions[i].Task.RunId);
            }
        }

        foreach (var runId in completions.Select(c => c.Task.RunId).Distinct())
        {
            if (!_running.Keys.Any(k => k.Run == runId))
            {
                _contexts.Remove(runId);
            }
        }
    }

    private async Task HeartbeatOnceAsync()
    {
        var now = time.GetUtcNow();
        if (_running.Count == 0 && _unrecorded.Count == 0)
        {
            return;
        }

        var held = _running.Values.Select(r => r.Claim).Concat(_unrecorded.Select(c => c.Task)).ToList();
        var cancelled = await queue.RenewLeasesAsync(held, now + settings.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
        foreach (var claim in cancelled)
        {
            if (_running.TryGetValue((claim.RunId, claim.TaskId), out var running))
            {
                await running.Cancellation.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task WaitAsync(DateTimeOffset nextHeartbeat, CancellationToken stopping)
    {
        var now = time.GetUtcNow();
        var wakeAt = now + settings.PollInterval;
        if (_running.Count + _unrecorded.Count > 0 && nextHeartbeat < wakeAt)
        {
            wakeAt = nextHeartbeat;
        }

        if (await queue.NextRetryAtAsync(CancellationToken.None).ConfigureAwait(false) is { } retry && retry < wakeAt)
        {
            wakeAt = retry;
        }

        if (wakeAt <= now)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        await Task.WhenAny(signal.NextAsync(), Task.Delay(wakeAt - now, time, wait.Token)).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        stopping.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Graceful stop: running attempts get <paramref name="grace"/> to finish; the rest are cancelled and released
    /// (queued again for another node, their attempt not counted against retries).
    /// </summary>
    public async Task DrainAsync(TimeSpan grace)
    {
        if (_running.Count == 0)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(grace, time);
        try
        {
            await Task.WhenAll(_running.Values.Select(r => r.Attempt)).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var running in _running.Values.Where(r => !r.Attempt.IsCompleted))
            {
                running.Released = true;
                await running.Cancellation.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(_running.Values.Select(r => r.Attempt)).ConfigureAwait(false);
        }

        await CollectFinishedAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {Worker} loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, string worker, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} lost the lease of task {TaskId} of run {RunId}; its result was discarded")]
    private static partial void LogLeaseLost(ILogger logger, string worker, string taskId, Guid runId);
}
