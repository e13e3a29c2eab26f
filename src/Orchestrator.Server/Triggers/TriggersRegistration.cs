namespace Orchestrator.Server.Triggers;

public static class TriggersRegistration
{
    /// <summary>The event triggers: one loop per trigger of every active workflow, reading its stream and starting a run per batch.</summary>
    public static IServiceCollection AddOrchestratorTriggers(this IServiceCollection services)
    {
        services.AddOptions<TriggerOptions>().BindConfiguration(TriggerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TriggerService>();
        services.AddHostedService(sp => sp.GetRequiredService<TriggerService>());
        return services;
    }
}
