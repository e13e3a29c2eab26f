using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core;

public static class OrchestratorServiceCollectionExtensions
{
    /// <summary>
    /// The engine, the validator, the core activities and in-memory stores where no store is registered yet (a
    /// database provider is registered before this, not swapped in after). <paramref name="dataDirectory"/> is the working directory of activities.
    /// </summary>
    public static IServiceCollection AddOrchestratorCore(this IServiceCollection services, string dataDirectory)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddHttpClient();
        services.TryAddSingleton(new DataDirectory(dataDirectory));
        services.TryAddSingleton(new EngineDefaults());
        services.TryAddSingleton(sp => ConnectionCatalog.Load(sp.GetService<IConfiguration>(), ConnectionCatalog.ProcessEnvironment()));
        services.AddActivities(CoreActivities.Types);
        services.TryAddSingleton(sp => new ActivityRegistry(sp.GetServices<ActivityDescriptor>()));
        services.TryAddSingleton<WorkflowValidator>();
        services.TryAddSingleton<AttemptRunner>();
        services.TryAddSingleton<LocalRun>();

        services.TryAddSingleton<InMemoryStore>();
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton<IWorkflowVersionStore>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton<ITaskLogStore>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton<IWorkflowStateStore>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton<IRunHistory>(sp => sp.GetRequiredService<InMemoryStore>());
        services.TryAddSingleton(sp => new InMemoryRunQueue(sp.GetRequiredService<InMemoryStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IRunObserver>(), sp.GetServices<IRunChangeParticipant>()));
        services.TryAddSingleton<IRunQueue>(sp => sp.GetRequiredService<InMemoryRunQueue>());
        services.TryAddSingleton<ITriggerBatchStore>(sp => sp.GetRequiredService<InMemoryRunQueue>());
        services.TryAddSingleton<QueueSignal>();
        return services;
    }

    /// <summary>Adds activity types to the catalog.</summary>
    public static IServiceCollection AddActivities(this IServiceCollection services, IEnumerable<Type> activityTypes)
    {
        foreach (var type in activityTypes)
        {
            services.AddSingleton(ActivityDescriptor.From(type));
        }

        return services;
    }
}
