using Orchestrator.Core.Storage;

namespace Orchestrator.Server.Workflows;

public static class WorkflowsRegistration
{
    /// <summary>The workflow catalog (the plans the engine runs) and the watcher that reloads the workflows folder.</summary>
    public static IServiceCollection AddOrchestratorWorkflows(this IServiceCollection services)
    {
        services.AddSingleton<WorkflowCatalog>();
        services.AddSingleton<IWorkflowPlans>(sp => sp.GetRequiredService<WorkflowCatalog>());
        services.AddHostedService<WorkflowFolderWatcher>();
        return services;
    }
}
