using System.Globalization;
using System.Runtime.CompilerServices;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Storage;
using Quartz;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// The triggers in Quartz's clustered ADO.NET store in the PostgreSQL database: each fires on one node of the cluster,
/// as a <see cref="ScheduledRunJob"/>; a time already past fires at once (misfire: fire now).
/// </summary>
public sealed class QuartzScheduleTriggers(ISchedulerFactory schedulers) : IScheduleTriggers
{
    public const string Group = "scheduled";

    /// <summary>
    /// Quartz with its clustered store, and these triggers. A method of its own, so that a server that does not call
    /// it (SQLite) never loads Quartz.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Register(IServiceCollection services, DatabaseChoice database)
    {
        services.AddQuartz(q => q.UsePersistentStore(store =>
        {
            store.UsePostgres(database.Connection);
            store.UseClustering(c =>
            {
                c.CheckinInterval = TimeSpan.FromSeconds(5);
                c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
            });
            store.ProvisionSchema();
        }));
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddSingleton<IScheduleTriggers, QuartzScheduleTriggers>();
    }

    public async Task ArmAsync(string workflowId, DataInterval interval, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var job = JobBuilder.Create<ScheduledRunJob>()
            .WithIdentity(workflowId, Group)
            .StoreDurably()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(workflowId, Group)
            .ForJob(job)
            .UsingJobData(ScheduledRunJob.WorkflowKey, workflowId)
            .UsingJobData(ScheduledRunJob.LogicalDateKey, interval.Start.ToString("O", CultureInfo.InvariantCulture))
            .StartAt(interval.End)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(string workflowId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.DeleteJob(new JobKey(workflowId, Group), cancellationToken).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> NextFireAsync(string workflowId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var trigger = await scheduler.GetTrigger(new TriggerKey(workflowId, Group), cancellationToken).ConfigureAwait(false);
        return trigger?.NextFireTimeUtc;
    }
}
