using System.Buffers.Binary;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Queue;

namespace Orchestrator.Persistence.Postgres;

/// <summary>
/// PostgreSQL, several nodes on one database, and no lock for the whole cluster on the claim path. Claims lock
/// their candidates with <c>FOR UPDATE SKIP LOCKED</c>, so nodes take different task instances without waiting for
/// each other; only claims that draw from the same run or pool wait for each other, under a transaction-scoped
/// advisory lock per run and per pool (<c>maxActiveTasks</c> and pool slots are counted across nodes, so the next
/// claim must count what the previous one committed). The events of a run (attempt ends, clear) lock the run's row
/// in <c>FOR NO KEY UPDATE</c> mode, which claims (<c>FOR KEY SHARE</c>) do not conflict with; stopping a run locks
/// it <c>FOR UPDATE</c>, which waits for the claims in flight and keeps new ones out. Starting runs
/// (<c>maxActiveRuns</c>) is done by one node at a time, the others skip it while it is held (a named advisory
/// lock taken with <c>pg_try_advisory_xact_lock</c>); alert claims stay serialized by a named advisory lock. Work is announced with
/// <c>NOTIFY</c>, which <see cref="PostgresQueueListener"/> turns into wake-ups on every node.
/// </summary>
public sealed class PostgresQueueLocking(Core.Engine.QueueSignal signal) : IQueueLocking
{
    /// <summary>The notification channel of queued work.</summary>
    public const string Channel = "orchestrator_queue";

    /// <summary>First key of our named advisory locks ("ORCH"), so they cannot collide with another application's.</summary>
    private const int LockSpace = 0x4F524348;

    /// <summary>First key of the claim lock of a run ("ORCR"); the second is folded from the run id.</summary>
    private const int RunSpace = 0x4F524352;

    /// <summary>First key of the claim lock of a pool ("ORCP"); the second is a stable hash of its name.</summary>
    private const int PoolSpace = 0x4F524350;

    private static readonly string Running = WireNames.Of(RunState.Running);

    public string CandidateRowLock => "FOR UPDATE SKIP LOCKED";

    public async Task LockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken)
        => await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockSpace}, {(int)name})", cancellationToken).ConfigureAwait(false);

    public async Task<bool> TryLockAsync(OrchestratorDbContext db, QueueLock name, CancellationToken cancellationToken)
        => await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({LockSpace}, {(int)name}) AS \"Value\"")
            .SingleAsync(cancellationToken).ConfigureAwait(false);

    public async Task LockRunsAsync(OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        var ids = runIds.Order().ToArray();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM runs WHERE id = ANY({ids}) ORDER BY id FOR NO KEY UPDATE", cancellationToken).ConfigureAwait(false);
    }

    public async Task LockRunToStopAsync(OrchestratorDbContext db, Guid runId, CancellationToken cancellationToken)
        => await db.Database.ExecuteSqlAsync($"SELECT 1 FROM runs WHERE id = {runId} FOR UPDATE", cancellationToken).ConfigureAwait(false);

    public bool ClaimsBesideCompletions => true;

    public async Task<ClaimLocks> LockForClaimAsync(
        OrchestratorDbContext db, IReadOnlyCollection<Guid> runIds, IReadOnlyCollection<string> pools,
        IReadOnlyCollection<Core.Storage.ClaimedTask> ending, CancellationToken cancellationToken)
    {
        if (runIds.Count == 0)
        {
            return new ClaimLocks([]);
        }

        // Every claim takes its locks in the same order, so two claims never wait for each other in a cycle. A claim
        // holds its candidates' rows already; it never waits for a run's row (a stop may hold it while it waits for
        // those candidates): a run that is being stopped is skipped.
        var keys = runIds.Select(id => (Space: RunSpace, Key: Fold(id)))
            .Concat(pools.Select(pool => (Space: PoolSpace, Key: Hash(pool))))
            .Distinct().Order().ToArray();
        var ids = runIds.ToArray();
        var endingRuns = ending.Select(e => e.RunId).ToArray();
        var endingTasks = ending.Select(e => e.TaskId).ToArray();
        var endingAttempts = ending.Select(e => e.Attempt).ToArray();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    "SELECT pg_advisory_xact_lock(k.space, k.key) FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS k(space, key, i) ORDER BY k.i")
                {
                    Parameters = { new() { Value = keys.Select(k => k.Space).ToArray() }, new() { Value = keys.Select(k => k.Key).ToArray() } },
                },

                // Statements of their own: they read (and the claim's next statements read) after the locks are held.
                new NpgsqlBatchCommand(
                    "SELECT id FROM runs WHERE id = ANY($1) AND state = $2 AND cancel_requested_at IS NULL ORDER BY id FOR KEY SHARE SKIP LOCKED")
                {
                    Parameters = { new() { Value = ids }, new() { Value = Running } },
                },
                new NpgsqlBatchCommand(RunningSql)
                {
                    Parameters = { new() { Value = ids }, new() { Value = endingRuns }, new() { Value = endingTasks }, new() { Value = endingAttempts } },
                },
            },
        };
        if (pools.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(PoolSlotsSql)
            {
                Parameters = { new() { Value = pools.ToArray() }, new() { Value = endingRuns }, new() { Value = endingTasks }, new() { Value = endingAttempts } },
            });
        }

        var claimable = new List<Guid>();
        var running = new Dictionary<Guid, int>();
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimable.Add(reader.GetGuid(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            running[reader.GetGuid(0)] = reader.GetInt32(1);
        }

        if (pools.Count > 0)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                slots[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        return new ClaimLocks(claimable) { Running = running, PoolSlots = slots };
    }

    /// <summary>
    /// The attempts a claim leaves out of its counts (<see cref="Core.Storage.ClaimRequest.Ending"/>): ended, their end
    /// being written by the same node in another transaction, committed or not when the count reads.
    /// </summary>
    private const string NotEnding = """
        NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::text[], $4::int[]) AS e(run_id, task_id, attempts)
                    WHERE e.run_id = t.run_id AND e.task_id = t.task_id AND e.attempts = t.attempts)
        """;

    private static readonly string RunningSql = $"""
        SELECT t.run_id, count(*)::int FROM task_instances AS t
        WHERE t.run_id = ANY($1) AND t.state = '{WireNames.Of(TaskState.Running)}' AND {NotEnding}
        GROUP BY t.run_id
        """;

    private static readonly string PoolSlotsSql = $"""
        SELECT t.pool, sum(t.pool_slots)::int FROM task_instances AS t
        WHERE t.pool = ANY($1) AND t.state = '{WireNames.Of(TaskState.Running)}' AND {NotEnding}
        GROUP BY t.pool
        """;

    public async Task AnnounceAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
        => await db.Database.ExecuteSqlRawAsync($"NOTIFY {Channel}", cancellationToken).ConfigureAwait(false);

    // This node's workers need no round trip through the server.
    public void WakeLocal() => signal.Pulse();

    /// <summary>The run's lock key: its id folded to 32 bits (two runs that share one merely wait for each other).</summary>
    private static int Fold(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])
            ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
    }

    /// <summary>FNV-1a of the pool's name: the same on every node (unlike <see cref="string.GetHashCode()"/>).</summary>
    private static int Hash(string pool)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(pool))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return unchecked((int)hash);
    }
}
