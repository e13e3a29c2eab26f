using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Server.Api;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Observability;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Workflows;
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
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);

        // A failed command surfaces as an exception that our code handles or logs with context (a second node
        // losing the race for a logical date, the first look for the migrations table); EF's own line is noise.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Update", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Quartz", LogLevel.Warning);
        if (builder.Configuration[$"{OrchestratorOptions.SectionName}:LogFormat"] == "json")
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";
                o.UseUtcTimestamp = true;
            });
        }

        configure?.Invoke(builder);
        builder.Services.AddDatabase(builder.Configuration);
        builder.Services.AddApiKeys();
        builder.Services.AddWebUi();
        var app = builder.Build();

        // Fail at start, naming the entry, rather than at the first task that needs a connection.
        try
        {
            _ = app.Services.GetRequiredService<Core.Connections.ConnectionCatalog>();
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Connections: {e.Message}", e);
        }

        // The same for alert channels and the alert templates: a broken one must not wait for the first failure to show.
        try
        {
            _ = app.Services.GetRequiredService<Orchestrator.Activities.Alerts.AlertChannelCatalog>();
            _ = app.Services.GetRequiredService<Orchestrator.Activities.Alerts.AlertComposer>();
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Alerts: {e.Message}", e);
        }

        app.MapOrchestrator();
        app.MapWebUi();
        return app;
    }

    public static IServiceCollection AddOrchestratorServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<OrchestratorOptions>>((kestrel, orchestrator) => kestrel.Limits.MaxRequestBodySize = orchestrator.Value.MaxRequestBodySize);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PoolOptions>().BindConfiguration(PoolOptions.SectionName)
            .Validate(pools => pools.All(p => p.Value >= 1 && System.Text.RegularExpressions.Regex.IsMatch(p.Key, Core.Model.Ids.Pattern)),
                "Orchestrator:Pools:<name> needs a lower-case id as name and at least 1 slot.")
            .ValidateOnStart();

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
        services.AddOptions<ActivityOptions>().BindConfiguration(ActivityOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ActivityOptions>, ActivityOptionsValidation>();
        services.AddSingleton(sp => new ActivityRegistry(
            sp.GetServices<ActivityDescriptor>(), sp.GetRequiredService<IOptions<ActivityOptions>>().Value.Disabled));
        services.AddOrchestratorCore(new OrchestratorOptions().DataDirectory); // its DataDirectory is the one registered above
        services.AddOrchestratorActivities();

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
                Pools = sp.GetRequiredService<IOptions<PoolOptions>>().Value,
            };
        });
        services.AddSingleton<QueueWorker>();
        services.AddHostedService<WorkerService>();

        services.AddOptions<Triggers.TriggerOptions>().BindConfiguration(Triggers.TriggerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Triggers.TriggerService>();
        services.AddHostedService(sp => sp.GetRequiredService<Triggers.TriggerService>());

        // Alerts: the run queue writes them with the state changes (routing by workflow and default rules); the
        // dispatcher delivers the outbox and the SLA monitor adds sla_missed.
        services.AddOptions<Alerts.AlertOptions>().BindConfiguration(Alerts.AlertOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new Orchestrator.Core.Alerts.AlertRouting(sp.GetRequiredService<IOptions<Alerts.AlertOptions>>().Value.Rules()));
        services.AddSingleton<Orchestrator.Core.Alerts.AlertSignal>();
        services.AddSingleton<Alerts.AlertDispatcher>();
        services.AddHostedService<Alerts.AlertDispatcherService>();
        services.AddSingleton<Alerts.ChannelCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<Alerts.ChannelCheck>());
        services.AddSingleton<Alerts.SlaMonitor>();
        services.AddHostedService<Alerts.SlaMonitorService>();

        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ScheduleCatchup>();
        services.AddSingleton<WorkflowScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkflowScheduler>());

        services.AddProblemDetails();
        services.AddOrchestratorOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            // Numbers are numbers: "5" is not an integer, and the OpenAPI document types integers as integer only.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new Core.Json.IsoDurationConverter());
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
            o.SerializerOptions.TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.WithAddedModifier(
                o.SerializerOptions.TypeInfoResolver ?? new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(), Api.WorkflowModelJson.OmitNulls);
        });
        services.AddHealthChecks()
            .AddCheck<SchedulerHealthCheck>("scheduler", tags: ["ready"]);
        return services;
    }

    /// <summary>The database of runs and versions (SQLite in the data directory by default), migrated at start-up.</summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var dataDirectory = Path.GetFullPath(configuration[$"{OrchestratorOptions.SectionName}:DataDirectory"] ?? new OrchestratorOptions().DataDirectory);
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        switch (database.Provider)
        {
            case "sqlite":
                var path = database.ConnectionString is { Length: > 0 } connection
                    ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource
                    : Path.Combine(dataDirectory, "orchestrator.db");
                services.AddSqliteStore(path);

                // One node: the schedule lives in memory and is rebuilt from the workflows and the runs at start.
                services.AddQuartz(q => q.UseInMemoryStore());
                break;
            case "postgresql":
                if (database.ConnectionString is not { Length: > 0 } postgres)
                {
                    throw new InvalidOperationException(
                        "Orchestrator:Database:Provider is postgresql: set Orchestrator:Database:ConnectionString (e.g. " +
                        "Orchestrator__Database__ConnectionString=\"Host=postgres;Database=orchestrator;Username=orchestrator;Password=...\").");
                }

                services.AddPostgresStore(postgres);
                services.AddSingleton<PostgresQueueListener>();
                services.AddHostedService<QueueListenerService>();

                // Several nodes: Quartz's clustered ADO.NET store in the same database fires each trigger on one node.
                services.AddQuartz(q =>
                {
                    q.UsePersistentStore(store =>
                    {
                        store.UsePostgres(postgres);
                        store.UseClustering(c =>
                        {
                            c.CheckinInterval = TimeSpan.FromSeconds(5);
                            c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                        });
                        store.ProvisionSchema();
                    });
                });
                break;
            default:
                throw new InvalidOperationException($"Orchestrator:Database:Provider '{database.Provider}' is not known; use sqlite or postgresql.");
        }

        // The first hosted service, whatever the order of registration: the schema is current before the catalog
        // stores versions and the workers claim.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>());
        return services;
    }

    /// <summary>
    /// API keys: whether they are required is decided from the addresses the server bound, once it has bound them
    /// (<see cref="Security.ListenAddressCheck"/>); requests wait for that decision.
    /// </summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<Security.SecurityOptions>().BindConfiguration(Security.SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Security.ApiKeyPolicy>();
        services.AddHostedService<Security.ListenAddressCheck>();
        services.AddAuthentication(Security.ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Security.ApiKeyAuthenticationHandler>(Security.ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(Security.ApiPolicies.Add);
        return services;
    }

    /// <summary>
    /// Runs <paramref name="app"/> until it stops. Returns the process exit code: 0, or 2 when the server refused to
    /// serve (keys required but none configured), the reason then written as one line to <paramref name="error"/>.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, TextWriter error, CancellationToken cancellationToken = default)
    {
        var policy = app.Services.GetRequiredService<Security.ApiKeyPolicy>();
        await ((IHost)app).RunAsync(cancellationToken);
        if (policy.Refusal is { } refusal)
        {
            await error.WriteLineAsync(refusal);
            return 2;
        }

        return 0;
    }

    public static WebApplication MapOrchestrator(this WebApplication app)
    {
        // Nothing is served before the key policy is decided from the bound addresses, nothing at all on a refusal.
        var keys = app.Services.GetRequiredService<Security.ApiKeyPolicy>();
        app.Use(async (context, next) =>
        {
            if (await keys.WhenDecided.WaitAsync(context.RequestAborted))
            {
                await next(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        });

        // A body over the size limit (or otherwise unreadable) read by an endpoint is the client's error: its status, not 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        var api = app.MapGroup("/api/v1").RequireAuthorization(Security.ApiPolicies.Viewer).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapWorkflowEndpoints();
        api.MapWorkflowFileEndpoints();
        api.MapWorkflowHistoryEndpoints();
        api.MapScheduleEndpoints();
        api.MapInvalidFileEndpoints();
        api.MapRunEndpoints();
        api.MapDraftRunEndpoints();
        api.MapCatalogEndpoints();
        api.MapAlertEndpoints();
        app.MapGroup("/api/v1").MapServerEndpoints();

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
            metrics.ActiveRuns.Set((await runs.ListAsync(new RunFilter(State: Core.Model.RunState.Running), new Page(0, 100_000), ct)).Count);
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
