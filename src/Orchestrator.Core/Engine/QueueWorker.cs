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

    /// <summary>Template variables (<c>vars.*</c>) of every attempt this worker runs.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The queue lives in this process and this worker is its only one (<c>orchestrator run</c>): no lease can be
    /// lost, so none expires; it never polls (all work arrives by <see cref="QueueSignal"/>, a cancellation by
    /// <see cref="QueueWorker.HeartbeatSoon"/>) but wakes exactly at the next retry or run deadline, and publishes
    /// <see cref="RunWaiting"/> before it sleeps; a failing pass ends the loop instead of being retried.
    /// </summary>
    public bool InProcess { get; init; }
}

/// <summary>
/// The execution loop of a server node (Hangfire-style): start queued runs, claim task instances up to the free
/// slots, run their attempts, record each end through the queue, renew leases by heartbeat and expire the leases
/// of dead nodes. Wakes on <see cref="QueueSignal"/>, attempt completions, the next retry or heartbeat, the
/// <c>runTimeout</c> deadline of a run it started, and at worst every <see cref="WorkerSettings.PollInterval"/>.
/// The server runs one per node over the database queue; <c>orchestrator run</c> runs one
/// (<see cref="WorkerSettings.InProcess"/>) over an in-memory queue: the only executor of attempts.
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

    /// <summary>Run contexts kept at most (see <see cref="ContextAsync"/>).</summary>
    private const int MaxContexts = 256;
    private DateTimeOffset _nextExpiryCheck = DateTimeOffset.MinValue;

    /// <summary>The <c>runTimeout</c> deadlines of runs this worker started, to stop them on time (others by the watchdog's cadence).</summary>
    private readonly PriorityQueue<Guid, DateTimeOffset> _deadlines = new();

    /// <summary>1 when the next pass must heartbeat whatever the interval (a run was stopped: its attempts learn it by renewing).</summary>
    private int _heartbeatSoon;

    /// <summary>Ended attempts not recorded yet (the database did not answer): written on a later pass, their leases renewed meanwhile.</summary>
    private readonly List<AttemptCompletion> _unrecorded = [];

    /// <summary>Attempts found ended by a pass (reused between passes).</summary>
    private readonly List<((Guid Run, string Task) Key, Running Running)> _finished = [];

    private static readonly IReadOnlyDictionary<string, JsonElement> NoOutputs = new Dictionary<string, JsonElement>();

    /// <summary>When a pass or heartbeat last failed (the database did not answer); MinValue when none has.</summary>
    private DateTimeOffset _lastFailureAt = DateTimeOffset.MinValue;

    private sealed record Running(ClaimedTask Claim, CancellationTokenSource Cancellation, Task<AttemptResult> Attempt)
    {
        /// <summary>Cancelled because this worker shuts down, not because the run was cancelled.</summary>
        public bool Released { get; set; }
    }

    public int RunningCount => _running.Count;

    /// <summary>
    /// Makes the next pass renew leases now, not at the heartbeat interval, and wakes the worker: after a run was
    /// cancelled in this process, its running attempts are cancelled at once.
    /// </summary>
    public void HeartbeatSoon()
    {
        Interlocked.Exchange(ref _heartbeatSoon, 1);
        signal.Pulse();
    }

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
                if (now >= nextHeartbeat || Interlocked.Exchange(ref _heartbeatSoon, 0) == 1)
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
            catch (Exception e) when (e is not OperationCanceledException && !settings.InProcess)
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
        Collect();

        // Where the queue allows it, the ends of attempts are written while runs are started and new attempts
        // claimed (two transactions at once): the worker and the database work at the same time instead of taking
        // turns. The claim does not count the attempts being recorded as running (ClaimRequest.Ending), so their
        // slots are free for it whether or not their end has committed yet. In process, one after the other.
        if (_unrecorded.Count == 0 || settings.InProcess || !queue.ClaimsBesideCompletions)
        {
            await RecordAsync().ConfigureAwait(false);
            await StartAndClaimAsync([]).ConfigureAwait(false);
            return;
        }

        var ending = _unrecorded.ConvertAll(c => c.Task);
        var recording = RecordAsync();
        try
        {
            await StartAndClaimAsync(ending).ConfigureAwait(false);
        }
        catch
        {
            // The recording still owns the list of unrecorded ends: let it finish before the next pass.
            await recording.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
            throw;
        }

        await recording.ConfigureAwait(false);
    }

    private async Task StartAndClaimAsync(IReadOnlyCollection<ClaimedTask> ending)
    {
        var now = time.GetUtcNow();
        var started = await queue.StartRunsAsync(plans, now, CancellationToken.None).ConfigureAwait(false);
        foreach (var run in started)
        {
            if (run.StartedAt + plans.Find(run.WorkflowId, run.WorkflowVersion)?.Definition.RunTimeout is { } deadline)
            {
                _deadlines.Enqueue(run.Id, deadline);
            }
        }

        if (started.Count > 0)
        {
            signal.Pulse();
        }

        var overdue = false;
        while (_deadlines.TryPeek(out _, out var deadline) && deadline <= now)
        {
            _deadlines.Dequeue();
            overdue = true;
        }

        // The watchdog (dead nodes' leases, overdue runs): at most once per heartbeat interval, not on every pass,
        // and when a run this worker started passes its deadline. After this worker lost the database, not before
        // it has been back for a whole lease: no node could renew during the outage, and every live node needs a
        // heartbeat's chance to renew before its leases count as dead. In process no lease can be lost.
        var watchdog = now >= _nextExpiryCheck && now - _lastFailureAt >= settings.LeaseDuration;
        if (watchdog || overdue)
        {
            var ended = 0;
            if (watchdog)
            {
                _nextExpiryCheck = now + settings.HeartbeatInterval;
                ended += settings.InProcess ? 0 : await queue.ExpireLeasesAsync(plans, now, CancellationToken.None).ConfigureAwait(false);
            }

            var stopped = await queue.StopOverdueRunsAsync(plans, now, CancellationToken.None).ConfigureAwait(false);
            if (stopped > 0)
            {
                // Their running attempts here are cancelled by the renewal; on other nodes at their next heartbeat.
                Interlocked.Exchange(ref _heartbeatSoon, 1);
            }

            if (ended + stopped > 0)
            {
                signal.Pulse();
            }
        }

        var free = settings.Slots - _running.Count;
        if (free <= 0)
        {
            return;
        }

        var request = new ClaimRequest(settings.Name, free, now, now + settings.LeaseDuration) { Pools = settings.Pools, Ending = ending };
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
                ? NoOutputs
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
            Vars = settings.Vars,
        };
        // A run's context never changes, and a run's next claim often comes after all its running attempts ended
        // (short tasks): the contexts of recent runs are kept, not read again per claim; past the bound, all go.
        if (_contexts.Count >= MaxContexts)
        {
            _contexts.Clear();
        }

        _contexts[claim.RunId] = context;
        return context;
    }

    private async Task CollectFinishedAsync()
    {
        Collect();
        await RecordAsync().ConfigureAwait(false);
    }

    /// <summary>Moves the attempts that ended from the running ones to the unrecorded ones.</summary>
    private void Collect()
    {
        _finished.Clear();
        foreach (var (key, running) in _running)
        {
            if (running.Attempt.IsCompleted)
            {
                _finished.Add((key, running));
            }
        }

        foreach (var (key, running) in _finished)
        {
            _running.Remove(key);
            running.Cancellation.Dispose();
            var result = running.Attempt.GetAwaiter().GetResult(); // completed: no wait
            _unrecorded.Add(new AttemptCompletion(running.Claim, result, running.Released && result.Outcome == Model.AttemptOutcome.Cancelled));
        }
    }

    /// <summary>Writes the unrecorded ends of attempts (and what follows from them) through the queue.</summary>
    private async Task RecordAsync()
    {
        if (_unrecorded.Count == 0)
        {
            return;
        }

        // Kept until written: a completion lost to a database outage would leave its lease to expire and the task
        // to run again.
        var completions = _unrecorded;
        var recorded = await queue.CompleteAsync(completions, plans, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        for (var i = 0; i < completions.Count; i++)
        {
            var task = completions[i].Task;
            if (!recorded[i])
            {
                LogLeaseLost(logger, settings.Name, task.TaskId, task.RunId);
            }
        }

        _unrecorded.Clear();
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
        // A pulse already pending (an attempt ended, work was announced) means another pass now, whatever the next
        // retry or deadline: the database is not asked for the next retry then (a busy worker's common case).
        var pulse = signal.NextAsync();
        if (pulse.IsCompleted)
        {
            return;
        }

        var now = time.GetUtcNow();
        DateTimeOffset? wakeAt = settings.InProcess ? null : now + settings.PollInterval;
        if (!settings.InProcess && _running.Count + _unrecorded.Count > 0 && nextHeartbeat < wakeAt)
        {
            wakeAt = nextHeartbeat;
        }

        if (await queue.NextRetryAtAsync(CancellationToken.None).ConfigureAwait(false) is { } retry && (wakeAt is null || retry < wakeAt))
        {
            wakeAt = retry;
        }

        if (_deadlines.TryPeek(out _, out var deadline) && (wakeAt is null || deadline < wakeAt))
        {
            wakeAt = deadline;
        }

        if (wakeAt <= now)
        {
            return;
        }

        if (wakeAt is not { } at)
        {
            Waiting(now, null);
            await pulse.WaitAsync(stopping).ConfigureAwait(false);
            return;
        }

        // The timer is armed before RunWaiting is published: a test's fake clock may move as soon as it sees it.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var timer = Task.Delay(at - now, time, wait.Token);
        Waiting(now, at);
        await Task.WhenAny(pulse, timer).ConfigureAwait(false);
        wait.Cancel();
        stopping.ThrowIfCancellationRequested();
    }

    private void Waiting(DateTimeOffset now, DateTimeOffset? wakeAt)
    {
        if (settings.InProcess)
        {
            observer?.OnEvent(new RunWaiting(Guid.Empty, now, _running.Count, wakeAt));
        }
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
