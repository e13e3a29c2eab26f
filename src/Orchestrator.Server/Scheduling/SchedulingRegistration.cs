using Orchestrator.Server.Storage;
using Quartz;

namespace Orchestrator.Server.Scheduling;

public static class SchedulingRegistration
{
    /// <summary>
    /// Quartz and the workflow scheduler with its catch-up. With SQLite (one node) the schedule lives in memory and
    /// is rebuilt from the workflows and the runs at start; with PostgreSQL (several nodes) Quartz's clustered
    /// ADO.NET store in the same database fires each trigger on one node.
    /// </summary>
    public static IServiceCollection AddOrchestratorScheduling(this IServiceCollection services, DatabaseChoice database)
    {
        services.AddQuartz(q =>
        {
            if (database.Provider == DatabaseChoice.PostgreSql)
            {
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(database.Connection);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(5);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                    });
                    store.ProvisionSchema();
                });
            }
            else
            {
                q.UseInMemoryStore();
            }
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ScheduleCatchup>();
        services.AddSingleton<WorkflowScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkflowScheduler>());
        services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("scheduler", tags: ["ready"]);
        return services;
    }
}
