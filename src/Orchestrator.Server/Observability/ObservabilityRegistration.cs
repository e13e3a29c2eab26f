using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Prometheus;

namespace Orchestrator.Server.Observability;

public static class ObservabilityRegistration
{
    /// <summary>The run events (live streams, metrics and the scheduler follow them) and the Prometheus metrics.</summary>
    public static IServiceCollection AddOrchestratorObservability(this IServiceCollection services)
    {
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<IRunObserver>(sp => sp.GetRequiredService<RunEventHub>());
        services.AddSingleton<OrchestratorMetrics>();
        return services;
    }

    /// <summary><c>/health/live</c>, <c>/health/ready</c> (the checks tagged <c>ready</c>) and <c>/metrics</c>.</summary>
    public static WebApplication MapOrchestratorObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

        var metrics = app.Services.GetRequiredService<OrchestratorMetrics>();
        var queue = app.Services.GetRequiredService<IRunQueue>();
        var runs = app.Services.GetRequiredService<IRunStore>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async ct =>
        {
            metrics.QueueDepth.Set(await queue.QueueDepthAsync(time.GetUtcNow(), ct));
            metrics.ActiveRuns.Set((await runs.ListAsync(new RunFilter(State: Core.Model.RunState.Running), new Page(0, 100_000), ct)).Count);
        });
        app.MapMetrics("/metrics");
        return app;
    }
}
