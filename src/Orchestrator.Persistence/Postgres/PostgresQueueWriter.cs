using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Entities;
using Orchestrator.Persistence.Queue;

namespace Orchestrator.Persistence.Postgres;

/// <summary>
/// PostgreSQL: each kind of row is one statement over arrays (<c>unnest</c>), and every statement of the transaction's
/// writes goes in one command (one round trip). The statement texts do not depend on the number of rows, so the
/// server plans each once per connection (prepared statements). What the change tracker would spend per row
/// (snapshots, a statement per row) is gone.
/// </summary>
internal sealed class PostgresQueueWriter : IQueueWriter
{
    private static readonly string Running = WireNames.Of(TaskState.Running);

    private const string InsertTasksSql = """
        INSERT INTO task_instances (run_id, task_id, ordinal, state, attempts, max_attempts, next_attempt_at, started_at, ended_at,
                                    outputs_json, error, queued_at, lease_owner, lease_expires_at, pool, pool_slots, revision)
        SELECT * FROM unnest(@nt_run, @nt_task, @nt_ordinal, @nt_state, @nt_attempts, @nt_max, @nt_next, @nt_started, @nt_ended,
                             @nt_outputs, @nt_error, @nt_queued, @nt_owner, @nt_expires, @nt_pool, @nt_slots, @nt_revision)
        """;

    // The lease stays only on a running task (an event never changes a running task's lease).
    private static readonly string UpdateTasksSql = $"""
        UPDATE task_instances AS t
        SET state = v.state, attempts = v.attempts, max_attempts = v.max_attempts, next_attempt_at = v.next_attempt_at,
            started_at = v.started_at, ended_at = v.ended_at, outputs_json = v.outputs_json, error = v.error,
            queued_at = v.queued_at, revision = v.revision,
            lease_owner = CASE WHEN v.state = '{Running}' THEN t.lease_owner END,
            lease_expires_at = CASE WHEN v.state = '{Running}' THEN t.lease_expires_at END
        FROM unnest(@ct_run, @ct_task, @ct_state, @ct_attempts, @ct_max, @ct_next, @ct_started, @ct_ended, @ct_outputs, @ct_error,
                    @ct_queued, @ct_revision)
             AS v(run_id, task_id, state, attempts, max_attempts, next_attempt_at, started_at, ended_at, outputs_json, error,
                  queued_at, revision)
        WHERE t.run_id = v.run_id AND t.task_id = v.task_id
        """;

    private const string ClaimTasksSql = """
        UPDATE task_instances AS t
        SET state = v.state, attempts = v.attempts, started_at = v.started_at, lease_owner = v.lease_owner,
            lease_expires_at = v.lease_expires_at, pool = v.pool, pool_slots = v.pool_slots
        FROM unnest(@cl_run, @cl_task, @cl_state, @cl_attempts, @cl_started, @cl_owner, @cl_expires, @cl_pool, @cl_slots)
             AS v(run_id, task_id, state, attempts, started_at, lease_owner, lease_expires_at, pool, pool_slots)
        WHERE t.run_id = v.run_id AND t.task_id = v.task_id
        """;

    private const string InsertAttemptsSql = """
        INSERT INTO attempts (run_id, task_id, number, started_at, ended_at, outcome, error, queued_at, worker, inputs_json)
        SELECT * FROM unnest(@na_run, @na_task, @na_number, @na_started, @na_ended, @na_outcome, @na_error, @na_queued, @na_worker, @na_inputs)
        """;

    private const string UpdateAttemptsSql = """
        UPDATE attempts AS a
        SET started_at = v.started_at, ended_at = v.ended_at, outcome = v.outcome, error = v.error, queued_at = v.queued_at,
            worker = v.worker, inputs_json = v.inputs_json
        FROM unnest(@ca_run, @ca_task, @ca_number, @ca_started, @ca_ended, @ca_outcome, @ca_error, @ca_queued, @ca_worker, @ca_inputs)
             AS v(run_id, task_id, number, started_at, ended_at, outcome, error, queued_at, worker, inputs_json)
        WHERE a.run_id = v.run_id AND a.task_id = v.task_id AND a.number = v.number
        """;

    private const string UpdateRunsSql = """
        UPDATE runs AS r
        SET state = v.state, started_at = v.started_at, ended_at = v.ended_at, error = v.error,
            cancel_requested_at = v.cancel_requested_at, revision = v.revision
        FROM unnest(@cr_id, @cr_state, @cr_started, @cr_ended, @cr_error, @cr_cancel, @cr_revision)
             AS v(id, state, started_at, ended_at, error, cancel_requested_at, revision)
        WHERE r.id = v.id
        """;

    // One statement where SQLite takes two: the due retries are queued by the CTE, whose rows the outer query sees
    // only through its RETURNING (it reads the snapshot from before the update).
    private static readonly string QueueDueRetriesSql = $"""
        WITH due AS (
            UPDATE task_instances SET state = '{WireNames.Of(RunStateMachine.QueueDueRetry.To)}', next_attempt_at = NULL, queued_at = $1
            WHERE state = '{WireNames.Of(RunStateMachine.QueueDueRetry.From)}' AND next_attempt_at <= $1
            RETURNING 1)
        SELECT EXISTS (SELECT 1 FROM due) OR EXISTS (SELECT 1 FROM task_instances WHERE state = '{WireNames.Of(RunStateMachine.StartAttempt.From)}')
        """;

    public async Task<bool> QueueDueRetriesAsync(OrchestratorDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(QueueDueRetriesSql, (NpgsqlConnection)db.Database.GetDbConnection())
        {
            Parameters = { new() { Value = now.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz } },
        };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task WriteAsync(OrchestratorDbContext db, QueueWrites writes, CancellationToken cancellationToken)
    {
        if (writes.IsEmpty)
        {
            return;
        }

        var sql = new StringBuilder();
        var parameters = new List<NpgsqlParameter>();
        if (writes.NewTasks is { Count: > 0 } created)
        {
            Append(sql, InsertTasksSql);
            parameters.AddRange(
            [
                Array("nt_run", created.ConvertAll(t => t.RunId)),
                Array("nt_task", created.ConvertAll(t => t.TaskId)),
                Array("nt_ordinal", created.ConvertAll(t => t.Ordinal)),
                Array("nt_state", created.ConvertAll(t => WireNames.Of(t.State))),
                Array("nt_attempts", created.ConvertAll(t => t.Attempts)),
                Array("nt_max", created.ConvertAll(t => t.MaxAttempts)),
                Times("nt_next", created.ConvertAll(t => t.NextAttemptAt)),
                Times("nt_started", created.ConvertAll(t => t.StartedAt)),
                Times("nt_ended", created.ConvertAll(t => t.EndedAt)),
                Array("nt_outputs", created.ConvertAll(t => t.OutputsJson)),
                Array("nt_error", created.ConvertAll(t => t.Error)),
                Times("nt_queued", created.ConvertAll(t => t.QueuedAt)),
                Array("nt_owner", created.ConvertAll(t => t.LeaseOwner)),
                Times("nt_expires", created.ConvertAll(t => t.LeaseExpiresAt)),
                Array("nt_pool", created.ConvertAll(t => t.Pool)),
                Array("nt_slots", created.ConvertAll(t => t.PoolSlots)),
                Array("nt_revision", created.ConvertAll(t => t.Revision)),
            ]);
        }

        if (writes.ChangedTasks is { Count: > 0 } changed)
        {
            Append(sql, UpdateTasksSql);
            parameters.AddRange(
            [
                Array("ct_run", changed.ConvertAll(t => t.RunId)),
                Array("ct_task", changed.ConvertAll(t => t.TaskId)),
                Array("ct_state", changed.ConvertAll(t => WireNames.Of(t.State))),
                Array("ct_attempts", changed.ConvertAll(t => t.Attempts)),
                Array("ct_max", changed.ConvertAll(t => t.MaxAttempts)),
                Times("ct_next", changed.ConvertAll(t => t.NextAttemptAt)),
                Times("ct_started", changed.ConvertAll(t => t.StartedAt)),
                Times("ct_ended", changed.ConvertAll(t => t.EndedAt)),
                Array("ct_outputs", changed.ConvertAll(t => t.OutputsJson)),
                Array("ct_error", changed.ConvertAll(t => t.Error)),
                Times("ct_queued", changed.ConvertAll(t => t.QueuedAt)),
                Array("ct_revision", changed.ConvertAll(t => t.Revision)),
            ]);
        }

        if (writes.ClaimedTasks is { Count: > 0 } claimed)
        {
            Append(sql, ClaimTasksSql);
            parameters.AddRange(
            [
                Array("cl_run", claimed.ConvertAll(t => t.RunId)),
                Array("cl_task", claimed.ConvertAll(t => t.TaskId)),
                Array("cl_state", claimed.ConvertAll(t => WireNames.Of(t.State))),
                Array("cl_attempts", claimed.ConvertAll(t => t.Attempts)),
                Times("cl_started", claimed.ConvertAll(t => t.StartedAt)),
                Array("cl_owner", claimed.ConvertAll(t => t.LeaseOwner)),
                Times("cl_expires", claimed.ConvertAll(t => t.LeaseExpiresAt)),
                Array("cl_pool", claimed.ConvertAll(t => t.Pool)),
                Array("cl_slots", claimed.ConvertAll(t => t.PoolSlots)),
            ]);
        }

        // After the task rows: a new attempt's task instance exists (its foreign key).
        if (writes.NewAttempts is { Count: > 0 } started)
        {
            Append(sql, InsertAttemptsSql);
            parameters.AddRange(AttemptArrays("na", started));
        }

        if (writes.ChangedAttempts is { Count: > 0 } ended)
        {
            Append(sql, UpdateAttemptsSql);
            parameters.AddRange(AttemptArrays("ca", ended));
        }

        if (writes.ChangedRuns is { Count: > 0 } runs)
        {
            Append(sql, UpdateRunsSql);
            parameters.AddRange(
            [
                Array("cr_id", runs.ConvertAll(r => r.Id)),
                Array("cr_state", runs.ConvertAll(r => WireNames.Of(r.State))),
                Times("cr_started", runs.ConvertAll(r => r.StartedAt)),
                Times("cr_ended", runs.ConvertAll(r => r.EndedAt)),
                Array("cr_error", runs.ConvertAll(r => r.Error)),
                Times("cr_cancel", runs.ConvertAll(r => r.CancelRequestedAt)),
                Array("cr_revision", runs.ConvertAll(r => r.Revision)),
            ]);
        }

        await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken).ConfigureAwait(false);

        // Written above: the context has nothing left to save of these rows.
        foreach (var run in writes.ChangedRuns)
        {
            db.Entry(run).State = EntityState.Unchanged;
        }
    }

    private static IEnumerable<NpgsqlParameter> AttemptArrays(string prefix, List<AttemptEntity> rows) =>
    [
        Array($"{prefix}_run", rows.ConvertAll(a => a.RunId)),
        Array($"{prefix}_task", rows.ConvertAll(a => a.TaskId)),
        Array($"{prefix}_number", rows.ConvertAll(a => a.Number)),
        Times($"{prefix}_started", rows.ConvertAll(a => (DateTimeOffset?)a.StartedAt)),
        Times($"{prefix}_ended", rows.ConvertAll(a => a.EndedAt)),
        Array($"{prefix}_outcome", rows.ConvertAll(a => a.Outcome is { } outcome ? WireNames.Of(outcome) : null)),
        Array($"{prefix}_error", rows.ConvertAll(a => a.Error)),
        Times($"{prefix}_queued", rows.ConvertAll(a => a.QueuedAt)),
        Array($"{prefix}_worker", rows.ConvertAll(a => a.Worker)),
        Array($"{prefix}_inputs", rows.ConvertAll(a => a.InputsJson)),
    ];

    private static void Append(StringBuilder sql, string statement) => sql.Append(statement).Append(";\n");

    private static NpgsqlParameter Array<T>(string name, List<T> values) => new(name, values.ToArray());

    /// <summary>Times as <c>timestamptz[]</c> (UTC, as the column stores them; null where absent).</summary>
    private static NpgsqlParameter Times(string name, List<DateTimeOffset?> values)
        => new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = values.ConvertAll(v => v?.ToUniversalTime()).ToArray(),
        };
}
