using Orchestrator.Server.Storage;

namespace Orchestrator.Server.Scheduling;

public static class SchedulingRegistration
{
    /// <summary>
    /// The workflow scheduler with its catch-up and its triggers. With SQLite (one node) the triggers are timers in
    /// memory, armed again from the workflows and the runs at start, and Quartz is never loaded; with PostgreSQL
    /// (several nodes) Quartz's clustered ADO.NET store in the same database fires each trigger on one node.
    /// </summary>
    public static IServiceCollection AddOrchestratorScheduling(this IServiceCollection services, DatabaseChoice database)
    {
        if (database.Provider == DatabaseChoice.PostgreSql)
        {
            QuartzScheduleTriggers.Register(services, database);
        }
        else
        {
            services.AddSingleton<IScheduleTriggers>(TimerScheduleTriggers.For);
        }

        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ScheduleCatchup>();
        services.AddSingleton<ScheduleFiring>();
        services.AddSingleton<WorkflowScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkflowScheduler>());
        services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("scheduler", tags: ["ready"]);
        return services;
    }
}
