using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Engine;
using Orchestrator.Server.Api;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Observability;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Workflows;
using Orchestrator.Storage;
using Prometheus;
using Quartz;
using Scalar.AspNetCore;

namespace Orchestrator.Server.Hosting;

/// <summary>
/// Builds the workflow server: options, storage, workflow catalog, workers, scheduler, API, health and metrics.
/// Used by <c>dotnet run --project src/Orchestrator.Server</c>, by <c>orchestrator server</c> and by tests.
/// </summary>
public static class OrchestratorHost
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOrchestratorServer(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapOrchestrator();
        return app;
    }

    public static IServiceCollection AddOrchestratorServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // From the bound options, not read here: configuration added after this call (Build's configure) must count.
        services.AddSingleton(sp =>
        {
            var dataDirectory = Path.GetFullPath(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.DataDirectory);
            Directory.CreateDirectory(dataDirectory);
            return new DataDirectory(dataDirectory);
        });
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<IRunObserver>(sp => sp.GetRequiredService<RunEventHub>());
        services.AddSingleton<OrchestratorMetrics>();
        services.AddOrchestratorCore(new OrchestratorOptions().DataDirectory); // its DataDirectory is the one registered above

        services.AddSingleton<WorkflowCatalog>();
        services.AddSingleton<IWorkflowPlans>(sp => sp.GetRequiredService<WorkflowCatalog>());
        services.AddHostedService<WorkflowFolderWatcher>();
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
            };
        });
        services.AddSingleton<QueueWorker>();
        services.AddHostedService<WorkerService>();

        services.AddQuartz(q => q.UseInMemoryStore());
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddSingleton<WorkflowScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkflowScheduler>());

        services.AddProblemDetails();
        services.AddOpenApi("v1");
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new Json.IsoDurationConverter());
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        services.AddHealthChecks()
            .AddCheck<SchedulerHealthCheck>("scheduler", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapOrchestrator(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        var api = app.MapGroup("/api/v1");
        api.MapWorkflowEndpoints();
        api.MapRunEndpoints();
        api.MapCatalogEndpoints();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api", o => o.WithTitle("Orchestrator API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

        var metrics = app.Services.GetRequiredService<OrchestratorMetrics>();
        var queue = app.Services.GetRequiredService<IRunQueue>();
        var runs = app.Services.GetRequiredService<IRunStore>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async ct =>
        {
            metrics.QueueDepth.Set(await queue.QueueDepthAsync(time.GetUtcNow(), ct));
            metrics.ActiveRuns.Set((await runs.ListAsync(new RunFilter(State: Model.RunState.Running), new Page(0, 100_000), ct)).Count);
        });
        app.MapMetrics("/metrics");
        return app;
    }
}

/// <summary>Ready when the workflows are scheduled (and, through the store, the database answers).</summary>
public sealed class SchedulerHealthCheck(WorkflowScheduler scheduler, IRunStore runs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await runs.ListAsync(new RunFilter(), new Page(0, 1), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the database does not answer", e);
        }

        return scheduler.Started
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("the scheduler has not scheduled the workflows yet");
    }
}
