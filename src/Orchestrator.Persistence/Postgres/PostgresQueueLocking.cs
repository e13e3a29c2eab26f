using Microsoft.EntityFrameworkCore;
using Orchestrator.Persistence.Queue;

namespace Orchestrator.Persistence.Postgres;

/// <summary>
/// PostgreSQL, several nodes on one database. Claims and run starts are critical sections under transaction-scoped
/// advisory locks, because pools, <c>maxActiveTasks</c> and <c>maxActiveRuns</c> are counted across nodes (as
/// Airflow's scheduler holds its pool rows). The events of a run (attempt ends, cancel, clear) hold the claim
/// lock in shared mode — many at once, never during a claim — plus a row lock on the run. Claim candidates are
/// locked with <c>FOR UPDATE SKIP LOCKED</c>. Work is announced with <c>NOTIFY</c>, which
/// <see cref="PostgresQueueListener"/> turns into wake-ups on every node.
/// </summary>
public sealed class PostgresQueueLocking(Core.Engine.QueueSignal signal) : IQueueLocking
{
    /// <summary>The notification channel of queued work.</summary>
    public const string Channel = "orchestrator_queue";

    /// <summary>First key of our advisory locks ("ORCH"), so they cannot collide with another application's.</summary>
    private const int LockSpace = 0x4F524348;

    public string CandidateRowLock => "FOR UPDATE SKIP LOCKED";

    public async Task LockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken)
        => await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockSpace}, {(int)name})", cancellationToken).ConfigureAwait(false);

    public async Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        var ids = runIds.Order().ToArray();
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_advisory_xact_lock_shared({LockSpace}, {(int)QueueLock.Claim}); SELECT 1 FROM runs WHERE id = ANY({ids}) ORDER BY id FOR UPDATE",
            cancellationToken).ConfigureAwait(false);
    }

    public async Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
        => await db.Database.ExecuteSqlRawAsync($"NOTIFY {Channel}", cancellationToken).ConfigureAwait(false);

    // This node's workers need no round trip through the server.
    public void WakeLocal() => signal.Pulse();
}
