using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Persistence.Stores;
using Orchestrator.Core;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence;

internal static class DatabaseStoreRegistration
{
    /// <summary>
    /// The database stores and the migrator over a provider's context factory (registered by the caller). Register
    /// them before <c>AddOrchestratorCore</c>, whose in-memory stores are the default only where no store is registered:
    /// each store is registered once, never replaced.
    /// </summary>
    public static IServiceCollection AddDatabaseStores<TContext>(this IServiceCollection services)
        where TContext : OrchestratorDbContext
    {
        if (services.Any(d => d.ServiceType == typeof(IRunStore)))
        {
            throw new InvalidOperationException(
                "A run store is registered already: register the database store before AddOrchestratorCore (which adds in-memory stores where none is registered).");
        }

        services.AddSingleton<IDbContextFactory<OrchestratorDbContext>>(sp =>
            new ProviderContextFactory<TContext>(sp.GetRequiredService<IDbContextFactory<TContext>>()));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<EfWorkflowVersionStore>();
        services.AddSingleton<EfRunStore>();
        services.AddSingleton<EfTaskLogStore>();
        services.AddSingleton<EfRunHistory>();
        services.AddSingleton<IWorkflowVersionStore>(sp => sp.GetRequiredService<EfWorkflowVersionStore>());
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<EfRunStore>());
        services.AddSingleton<ITaskLogStore>(sp => sp.GetRequiredService<EfTaskLogStore>());
        services.AddSingleton<IRunHistory>(sp => sp.GetRequiredService<EfRunHistory>());
        services.AddSingleton<IWorkflowStateStore, EfWorkflowStateStore>();

        services.TryAddSingleton<Core.Engine.QueueSignal>();
        services.AddSingleton(sp => new Queue.EfRunQueue(
            sp.GetRequiredService<IDbContextFactory<OrchestratorDbContext>>(),
            sp.GetRequiredService<Queue.IQueueLocking>(),
            sp.GetRequiredService<Queue.IQueueWriter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Core.Engine.IRunObserver>(),
            sp.GetServices<Core.Engine.IRunChangeParticipant>()));

        // The alert outbox joins every state change of a run in its transaction (when alerts are routed).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Core.Engine.IRunChangeParticipant, Alerts.AlertOutboxParticipant>(sp =>
            new Alerts.AlertOutboxParticipant(
                sp.GetService<Orchestrator.Core.Alerts.AlertRouting>() ?? Orchestrator.Core.Alerts.AlertRouting.None,
                sp.GetService<Orchestrator.Core.Alerts.AlertSignal>())));
        services.AddSingleton<Orchestrator.Core.Alerts.IAlertOutbox>(sp => new Alerts.EfAlertOutbox(
            sp.GetRequiredService<IDbContextFactory<OrchestratorDbContext>>(),
            sp.GetRequiredService<Queue.IQueueLocking>(),
            sp.GetService<Orchestrator.Core.Alerts.AlertSignal>()));
        services.AddSingleton<IRunQueue>(sp => sp.GetRequiredService<Queue.EfRunQueue>());
        services.AddSingleton<ITriggerBatchStore>(sp => sp.GetRequiredService<Queue.EfRunQueue>());
        return services;
    }
}
