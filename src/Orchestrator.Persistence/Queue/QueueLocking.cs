namespace Orchestrator.Persistence.Queue;

/// <summary>Named locks of the queue, held until the end of the transaction.</summary>
public enum QueueLock
{
    Claim = 1,
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
    /// Serializes the events of these runs (row locks on the runs, taken in id order) and keeps them apart from
    /// claims, which read the task rows these events rewrite.
    /// </summary>
    Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken);

    /// <summary>Appended to the query of claim candidates: locks the rows it returns, skipping rows others hold.</summary>
    string CandidateRowLock { get; }

    /// <summary>
    /// Inside the transaction that queues work: tells the other nodes once it commits (PostgreSQL delivers a
    /// <c>NOTIFY</c> at commit and drops it on rollback), at no extra round trip.
    /// </summary>
    Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken);

    /// <summary>After the commit: wakes this node's workers.</summary>
    void WakeLocal();
}

/// <summary>SQLite: a single writer serializes transactions; the in-process signal wakes the workers.</summary>
public sealed class SqliteQueueLocking(Core.Engine.QueueSignal signal) : IQueueLocking
{
    public Task LockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken) => Task.CompletedTask;

    public string CandidateRowLock => "";

    public Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    public void WakeLocal() => signal.Pulse();
}
