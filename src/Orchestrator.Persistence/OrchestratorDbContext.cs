using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Conversions;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence;

/// <summary>
/// The schema of runs, task instances, attempts, logs and workflow versions, independent of the database.
/// Each provider derives its own context (<see cref="Sqlite.SqliteOrchestratorDbContext"/>) so that it keeps
/// its own migration set and its own storage conventions.
/// </summary>
public abstract class OrchestratorDbContext : DbContext
{
    protected OrchestratorDbContext(DbContextOptions options)
        : base(options)
    {
    }

    internal DbSet<WorkflowVersionEntity> WorkflowVersions => Set<WorkflowVersionEntity>();

    internal DbSet<RunEntity> Runs => Set<RunEntity>();

    internal DbSet<TaskInstanceEntity> TaskInstances => Set<TaskInstanceEntity>();

    internal DbSet<AttemptEntity> Attempts => Set<AttemptEntity>();

    internal DbSet<TaskLogEntity> TaskLogs => Set<TaskLogEntity>();

    internal DbSet<WorkflowStateEntity> WorkflowStates => Set<WorkflowStateEntity>();

    internal DbSet<TriggerBatchEntity> TriggerBatches => Set<TriggerBatchEntity>();

    internal DbSet<AlertEntity> Alerts => Set<AlertEntity>();

    internal DbSet<AlertDeliveryEntity> AlertDeliveries => Set<AlertDeliveryEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<RunKind>().HaveConversion<WireNameConverter<RunKind>>();
        configurationBuilder.Properties<RunState>().HaveConversion<WireNameConverter<RunState>>();
        configurationBuilder.Properties<TaskState>().HaveConversion<WireNameConverter<TaskState>>();
        configurationBuilder.Properties<AttemptOutcome>().HaveConversion<WireNameConverter<AttemptOutcome>>();
        configurationBuilder.Properties<AlertEvent>().HaveConversion<WireNameConverter<AlertEvent>>();
        configurationBuilder.Properties<Orchestrator.Core.Alerts.AlertState>().HaveConversion<WireNameConverter<Orchestrator.Core.Alerts.AlertState>>();
        configurationBuilder.Properties<LogLevel>().HaveConversion<LogLevelConverter>();
    }

    /// <summary>
    /// The indexes of task instances by state. Claims read queued instances in claim order straight off the queue
    /// index (no sort of the whole queue, and FOR UPDATE SKIP LOCKED stops at the limit); lease expiry reads running
    /// ones by expiry; slots in use per pool count only the running attempts of the pools a claim needs. Queries
    /// that these indexes serve name their states as literals, so that a provider may make them partial.
    /// </summary>
    private protected virtual void ConfigureQueueIndexes(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<TaskInstanceEntity> e)
    {
        e.HasIndex(t => new { t.State, t.QueuedAt, t.RunId, t.Ordinal });
        e.HasIndex(t => new { t.State, t.LeaseExpiresAt });
        e.HasIndex(t => new { t.Pool, t.State });
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WorkflowVersionEntity>(e =>
        {
            e.ToTable("workflow_versions");
            e.HasKey(v => new { v.WorkflowId, v.Version });
        });

        modelBuilder.Entity<RunEntity>(e =>
        {
            e.ToTable("runs");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).ValueGeneratedNever();
            // Lists page newest first by (created_at, id) with a cursor: each filter has an index ending in those
            // columns, so a page of any depth is an index range read, not a sort of the table.
            e.HasIndex(r => new { r.CreatedAt, r.Id });
            e.HasIndex(r => new { r.WorkflowId, r.CreatedAt, r.Id });
            e.HasIndex(r => new { r.State, r.CreatedAt, r.Id });

            // One run per workflow and logical date: a trigger that fires twice (two nodes) creates one run.
            e.HasIndex(r => new { r.WorkflowId, r.LogicalDate }).IsUnique();
        });

        modelBuilder.Entity<TaskInstanceEntity>(e =>
        {
            e.ToTable("task_instances");
            e.HasKey(t => new { t.RunId, t.TaskId });
            e.HasOne<RunEntity>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);

            ConfigureQueueIndexes(e);

            // A node refreshing the progress it keeps of a run reads the rows changed since its revision.
            e.HasIndex(t => new { t.RunId, t.Revision });
        });

        modelBuilder.Entity<WorkflowStateEntity>(e =>
        {
            e.ToTable("workflow_states");
            e.HasKey(w => w.WorkflowId);
        });

        modelBuilder.Entity<TriggerBatchEntity>(e =>
        {
            e.ToTable("trigger_batches");

            // One run per first offset of a partition and consumer group: two nodes launching the same batch (a
            // rebalance, a restart before the commit) create one run. The key also serves the lookup of the range
            // that holds an offset (the last range starting at or before it).
            e.HasKey(b => new { b.WorkflowId, b.Connection, b.ConsumerGroup, b.Topic, b.Partition, b.FirstOffset });
            e.HasIndex(b => b.RunId);
        });

        modelBuilder.Entity<AlertEntity>(e =>
        {
            e.ToTable("alerts");
            e.HasKey(a => a.Id);

            // The idempotency key (event x channel): however many nodes or retries write an event, one alert.
            e.HasIndex(a => a.Key).IsUnique();
            e.HasIndex(a => new { a.State, a.NextAttemptAt });
            e.HasIndex(a => new { a.ThrottleKey, a.OccurredAt });
            e.HasIndex(a => new { a.OccurredAt, a.Id });
            e.HasIndex(a => new { a.WorkflowId, a.OccurredAt, a.Id });
            e.HasIndex(a => a.RunId);
        });

        modelBuilder.Entity<AlertDeliveryEntity>(e =>
        {
            e.ToTable("alert_deliveries");
            e.HasKey(d => new { d.AlertId, d.Number });
            e.HasOne<AlertEntity>().WithMany().HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AttemptEntity>(e =>
        {
            e.ToTable("attempts");
            e.HasKey(a => new { a.RunId, a.TaskId, a.Number });
            e.HasOne<TaskInstanceEntity>().WithMany().HasForeignKey(a => new { a.RunId, a.TaskId }).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TaskLogEntity>(e =>
        {
            e.ToTable("task_logs");
            e.HasKey(l => l.Id);
            e.Property(l => l.Id).ValueGeneratedOnAdd();

            // Serves reads of one task's log in (attempt, sequence) order, with or without an attempt filter,
            // without a sort. No foreign key: a batch append, the most frequent write, touches only this table.
            e.HasIndex(l => new { l.RunId, l.TaskId, l.Attempt, l.Sequence });
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
            }
        }
    }
}
