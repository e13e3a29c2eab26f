using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Storage;

/// <summary>Compiled plans by workflow version: every run executes the version it was created with.</summary>
public interface IWorkflowPlans
{
    WorkflowPlan? Find(string workflowId, string version);
}

/// <summary>A task instance a worker claimed: it runs attempt <see cref="Attempt"/> until it completes or the lease expires.</summary>
public sealed record ClaimedTask(
    Guid RunId,
    string WorkflowId,
    string WorkflowVersion,
    string TaskId,
    int Attempt,
    string Worker,
    DateTimeOffset LeaseExpiresAt);

/// <summary>
/// What a worker asks for: up to <see cref="Max"/> task instances, leased until <see cref="LeaseUntil"/>, within the
/// slot counts of the named <see cref="Pools"/> (a task in a pool not listed is claimed, and failed by the worker).
/// </summary>
public sealed record ClaimRequest(string Worker, int Max, DateTimeOffset Now, DateTimeOffset LeaseUntil)
{
    public IReadOnlyDictionary<string, int> Pools { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Attempts of this worker that have ended but whose end may not be recorded yet (it is being written meanwhile,
    /// see <see cref="IRunQueue.ClaimsBesideCompletions"/>): they no longer run, so they count neither against their
    /// run's <c>maxActiveTasks</c> nor against their pool, whether or not their end has committed.
    /// </summary>
    public IReadOnlyCollection<ClaimedTask> Ending { get; init; } = [];
}

/// <summary>Slots in use per pool, to admit claims within the configured counts.</summary>
public sealed class PoolUsage(IReadOnlyDictionary<string, int> limits)
{
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);

    /// <summary>Counts a running attempt of a task.</summary>
    public void Add(Engine.TaskPlan task)
    {
        if (task.Pool is { } pool)
        {
            _used[pool] = _used.GetValueOrDefault(pool) + task.PoolSlots;
        }
    }

    /// <summary>Counts slots in use in a pool, as a store recorded them.</summary>
    public void Add(string pool, int slots) => _used[pool] = _used.GetValueOrDefault(pool) + slots;

    /// <summary>Whether the task fits its pool now (always when it has none, or its pool is not configured).</summary>
    public bool Fits(Engine.TaskPlan task)
        => task.Pool is not { } pool || !limits.TryGetValue(pool, out var limit) || _used.GetValueOrDefault(pool) + task.PoolSlots <= limit;
}

/// <summary>
/// Durable execution. Runs and task instances live in the database; workers on any node claim queued task
/// instances with a lease, and record each attempt's end together with what follows from it (retry, downstream
/// queued, run finished) in one transaction. A lease that expires (its node died) ends the attempt as failed,
/// retried by policy. Every implementation applies <see cref="RunProgress"/>; <see cref="QueueWorker"/> is the one executor over
/// all of them (<c>orchestrator run</c> over an <see cref="InMemoryRunQueue"/> of its own).
/// </summary>
public interface IRunQueue
{
    /// <summary>Creates a queued run with pending task instances; false when the workflow already has a run at that logical date.</summary>
    Task<bool> TryCreateRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken);

    /// <summary>Starts queued runs (oldest first) while their workflow has fewer than <c>maxActiveRuns</c> running.</summary>
    Task<IReadOnlyList<RunRecord>> StartRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Claims queued task instances (and retries that are due), honouring each run's <c>maxActiveTasks</c>.</summary>
    Task<IReadOnlyList<ClaimedTask>> ClaimAsync(ClaimRequest request, IWorkflowPlans plans, CancellationToken cancellationToken);

    /// <summary>
    /// Records the ends of claimed attempts and everything that follows, in one transaction (each run is read and
    /// written once). One answer per completion: false when that lease was lost.
    /// </summary>
    Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<AttemptCompletion> completions, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Extends the leases a worker holds; returns the claims whose run is being cancelled.</summary>
    Task<IReadOnlyList<ClaimedTask>> RenewLeasesAsync(IReadOnlyCollection<ClaimedTask> tasks, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Ends attempts whose lease expired as failed (retried by policy); returns how many.</summary>
    Task<int> ExpireLeasesAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the running runs past their <c>runTimeout</c> as a cancellation does (waiting tasks cancelled now,
    /// running attempts when their worker next renews), but failed; returns how many.
    /// </summary>
    Task<int> StopOverdueRunsAsync(IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cancels a run: waiting tasks are cancelled now, running attempts when their worker next renews.</summary>
    Task<bool> CancelRunAsync(Guid runId, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Clears task instances (and optionally their downstream) of a run back to pending with fresh attempts; a
    /// finished run is queued again. False when the run does not exist or nothing could be cleared.
    /// </summary>
    Task<bool> ClearAsync(Guid runId, IReadOnlyCollection<string> taskIds, bool downstream, IWorkflowPlans plans, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The earliest time a retry falls due, to wake workers without polling.</summary>
    Task<DateTimeOffset?> NextRetryAtAsync(CancellationToken cancellationToken);

    /// <summary>
    /// What the metrics gauges show, counted (never listed) by a few indexed queries: runs and task instances in each
    /// state that is not final, the queue depth and when the oldest queued task instance was queued.
    /// </summary>
    Task<QueueGauges> GaugesAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// True when a claim may run while the same worker's <see cref="CompleteAsync"/> is being written (its own
    /// transaction, in parallel) and counts <see cref="ClaimRequest.Ending"/> exactly: the worker then records the
    /// attempts that ended and claims new ones at the same time instead of one after the other.
    /// </summary>
    bool ClaimsBesideCompletions => false;

    /// <summary>Outputs of a run's succeeded tasks, for rendering templates.</summary>
    Task<IReadOnlyDictionary<string, System.Text.Json.JsonElement>> OutputsAsync(Guid runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken);
}

/// <summary>Counts of the work in the store now, for metrics; states absent from a dictionary count 0.</summary>
public sealed record QueueGauges(
    IReadOnlyDictionary<Model.RunState, int> Runs,
    IReadOnlyDictionary<Model.TaskState, int> TaskInstances,
    int QueueDepth,
    DateTimeOffset? OldestQueuedAt)
{
    /// <summary>The run states counted: those a run leaves (final states only grow, counted by the run counters).</summary>
    public static readonly Model.RunState[] RunStates = [Model.RunState.Queued, Model.RunState.Running];

    /// <summary>The task instance states counted, likewise.</summary>
    public static readonly Model.TaskState[] TaskStates = [Model.TaskState.Pending, Model.TaskState.Queued, Model.TaskState.Running, Model.TaskState.UpForRetry];
}

/// <summary>
/// How a claimed attempt ended. <see cref="Released"/>: the worker shut down before it finished; the task is queued
/// again for another worker and the attempt does not count against its retries.
/// </summary>
public sealed record AttemptCompletion(ClaimedTask Task, Engine.AttemptResult Result, bool Released = false);
