namespace Orchestrator.Persistence.Queue;

/// <summary>Named locks of the queue, held until the end of the transaction.</summary>
public enum QueueLock
{
    StartRuns = 2,

    /// <summary>Alert claims: throttling folds a repeat into the alert it repeats, so two dispatchers must not decide at once.</summary>
    Alerts = 3,
}

/// <summary>
/// What the databases do differently for the queue. SQLite: one writer at a time already (every transaction
/// begins IMMEDIATE), nothing to lock, nobody else to notify. PostgreSQL: advisory and row locks, and
/// <c>NOTIFY</c> to wake the other nodes.
/// </summary>
public interface IQueueLocking
{
    Task LockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the named lock if no other transaction holds it, without waiting; false when another node holds it
    /// (work that one node does for all, such as starting queued runs, is then skipped rather than queued behind).
    /// </summary>
    Task<bool> TryLockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken);

    /// <summary>
    /// Serializes the events of these runs (row locks on the runs, taken in id order). Claims of the same runs go on
    /// meanwhile: the events that follow an attempt never rewrite a queued task of a run that is not stopping.
    /// </summary>
    Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="LockRunsAsync"/>, and waits for the claims in flight on the run and keeps new ones out until
    /// the end of the transaction: stopping a run decides from its running tasks and cancels its queued ones.
    /// </summary>
    Task LockRunToStopAsync(OrchestratorDbContext db, Guid runId, CancellationToken cancellationToken);

    /// <summary>Appended to the query of claim candidates: locks the rows it returns, skipping rows others hold.</summary>
    string CandidateRowLock { get; }

    /// <summary>
    /// Inside a claim, after its candidates are locked: serializes the claims of the same runs and pools (their
    /// limits are counted next, and must count what the claim before committed) and returns the runs that may still
    /// be claimed from (running, not stopping), holding them against a stop until the end of the transaction. Where
    /// <see cref="ClaimsBesideCompletions"/>, it also counts, once the locks are held, the running task instances of
    /// those runs and the slots in use in those pools, leaving out the <paramref name="ending"/> attempts.
    /// </summary>
    Task<ClaimLocks> LockForClaimAsync(
        OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, IReadOnlyCollection<string> pools,
        IReadOnlyCollection<Core.Storage.ClaimedTask> ending, CancellationToken cancellationToken);

    /// <summary>
    /// True when transactions of one node run side by side (a claim while the ends of attempts are written) and
    /// <see cref="LockForClaimAsync"/> counts running attempts without the ending ones in the same statement, so that
    /// a commit between two statements cannot make it count wrong.
    /// </summary>
    bool ClaimsBesideCompletions { get; }

    /// <summary>
    /// Inside the transaction that queues work: tells the other nodes once it commits (PostgreSQL delivers a
    /// <c>NOTIFY</c> at commit and drops it on rollback), at no extra round trip.
    /// </summary>
    Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken);

    /// <summary>After the commit: wakes this node's workers.</summary>
    void WakeLocal();
}

/// <summary>
/// What a claim holds once <see cref="IQueueLocking.LockForClaimAsync"/> returns: the runs it may claim from and,
/// when the provider counted them with the locks, the running task instances per run and the pool slots in use (null:
/// the queue counts them).
/// </summary>
public sealed record ClaimLocks(IReadOnlyCollection<Guid> Claimable)
{
    public IReadOnlyDictionary<Guid, int>? Running { get; init; }

    public IReadOnlyDictionary<string, int>? PoolSlots { get; init; }
}

/// <summary>SQLite: a single writer serializes transactions; the in-process signal wakes the workers.</summary>
public sealed class SqliteQueueLocking(Core.Engine.QueueSignal signal) : IQueueLocking
{
    public Task LockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> TryLockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task LockRunToStopAsync(OrchestratorDbContext db, Guid runId, CancellationToken cancellationToken) => Task.CompletedTask;

    public string CandidateRowLock => "";

    // The candidates were read in this write transaction: they are still what they were.
    public Task<ClaimLocks> LockForClaimAsync(
        OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, IReadOnlyCollection<string> pools,
        IReadOnlyCollection<Core.Storage.ClaimedTask> ending, CancellationToken cancellationToken)
        => Task.FromResult(new ClaimLocks(runIds));

    // One writer at a time: a claim beside a completion would only wait for it.
    public bool ClaimsBesideCompletions => false;

    public Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    public void WakeLocal() => signal.Pulse();
}
