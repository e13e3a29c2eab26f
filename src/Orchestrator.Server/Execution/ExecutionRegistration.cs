using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Execution;

public static class ExecutionRegistration
{
    /// <summary>
    /// The engine and the activities (less the disabled ones), this node's workers with their slots and pools, and
    /// the launcher that creates runs. The stores are the database's when one is registered before.
    /// </summary>
    public static IServiceCollection AddOrchestratorExecution(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PoolOptions>().BindConfiguration(PoolOptions.SectionName)
            .Validate(pools => pools.All(p => PoolSettings.IsValid(p.Key, p.Value)), PoolSettings.Rule)
            .ValidateOnStart();
        services.AddOptions<ActivityOptions>().BindConfiguration(ActivityOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ActivityOptions>, ActivityOptionsValidation>();
        services.AddSingleton(sp => new ActivityRegistry(
            sp.GetServices<ActivityDescriptor>(), sp.GetRequiredService<IOptions<ActivityOptions>>().Value.Disabled));
        services.AddOrchestratorCore(new OrchestratorOptions().DataDirectory); // its DataDirectory is the server's (AddOrchestratorHosting)
        services.AddOrchestratorActivities();

        services.AddSingleton<RunLauncher>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var node = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.NodeName
                ?? $"{Environment.MachineName}-{Environment.ProcessId}";
            return new WorkerSettings
            {
                Name = node,
                Slots = options.Slots,
                LeaseDuration = options.LeaseDuration,
                HeartbeatInterval = options.HeartbeatInterval,
                PollInterval = options.PollInterval,
                Pools = sp.GetRequiredService<IOptions<PoolOptions>>().Value,
            };
        });
        services.AddSingleton<QueueWorker>();
        services.AddHostedService<WorkerService>();
        return services;
    }
}
