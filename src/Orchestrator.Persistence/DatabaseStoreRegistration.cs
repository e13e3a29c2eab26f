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
    /// The database stores and the migrator over a provider's context factory (registered by the caller). The
    /// store interfaces are replaced, not tried, so the order against <c>AddOrchestratorCore</c> does not matter.
    /// </summary>
    public static IServiceCollection AddDatabaseStores<TContext>(this IServiceCollection services)
        where TContext : OrchestratorDbContext
    {
        services.RemoveAll<IDbContextFactory<OrchestratorDbContext>>();
        services.AddSingleton<IDbContextFactory<OrchestratorDbContext>>(sp =>
            new ProviderContextFactory<TContext>(sp.GetRequiredService<IDbContextFactory<TContext>>()));

        services.TryAddSingleton<DatabaseMigrator>();
        services.TryAddSingleton<EfWorkflowVersionStore>();
        services.TryAddSingleton<EfRunStore>();
        services.TryAddSingleton<EfTaskLogStore>();
        services.TryAddSingleton<EfRunHistory>();
        services.RemoveAll<IWorkflowVersionStore>();
        services.RemoveAll<IRunStore>();
        services.RemoveAll<ITaskLogStore>();
        services.RemoveAll<IRunHistory>();
        services.AddSingleton<IWorkflowVersionStore>(sp => sp.GetRequiredService<EfWorkflowVersionStore>());
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<EfRunStore>());
        services.AddSingleton<ITaskLogStore>(sp => sp.GetRequiredService<EfTaskLogStore>());
        services.AddSingleton<IRunHistory>(sp => sp.GetRequiredService<EfRunHistory>());

        services.RemoveAll<IWorkflowStateStore>();
        services.AddSingleton<IWorkflowStateStore, EfWorkflowStateStore>();
        services.TryAddSingleton<Core.Engine.QueueSignal>();
        services.TryAddSingleton(sp => new Queue.EfRunQueue(
            sp.GetRequiredService<IDbContextFactory<OrchestratorDbContext>>(),
            sp.GetRequiredService<Queue.IQueueLocking>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Core.Engine.IRunObserver>(),
            sp.GetServices<Core.Engine.IRunChangeParticipant>()));

        // The alert outbox joins every state change of a run in its transaction (when alerts are routed).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Core.Engine.IRunChangeParticipant, Alerts.AlertOutboxParticipant>(sp =>
            new Alerts.AlertOutboxParticipant(
                sp.GetService<Orchestrator.Core.Alerts.AlertRouting>() ?? Orchestrator.Core.Alerts.AlertRouting.None,
                sp.GetService<Orchestrator.Core.Alerts.AlertSignal>())));
        services.RemoveAll<Orchestrator.Core.Alerts.IAlertOutbox>();
        services.AddSingleton<Orchestrator.Core.Alerts.IAlertOutbox>(sp => new Alerts.EfAlertOutbox(
            sp.GetRequiredService<IDbContextFactory<OrchestratorDbContext>>(),
            sp.GetRequiredService<Queue.IQueueLocking>(),
            sp.GetService<Orchestrator.Core.Alerts.AlertSignal>()));
        services.RemoveAll<IRunQueue>();
        services.RemoveAll<ITriggerBatchStore>();
        services.AddSingleton<IRunQueue>(sp => sp.GetRequiredService<Queue.EfRunQueue>());
        services.AddSingleton<ITriggerBatchStore>(sp => sp.GetRequiredService<Queue.EfRunQueue>());
        return services;
    }
}
