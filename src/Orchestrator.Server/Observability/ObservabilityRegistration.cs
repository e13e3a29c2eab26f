using System.Diagnostics.Metrics;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Prometheus;

namespace Orchestrator.Server.Observability;

public static class ObservabilityRegistration
{
    /// <summary>
    /// The .NET meters exported besides ours: the runtime's (GC, CPU, memory, thread pool, JIT, exceptions), and the
    /// ASP.NET Core server's (request durations, active requests, connections). Nothing else: the private meters of
    /// other libraries (QUIC, sockets internals, EF Core, Quartz) are not a contract an operator can rely on.
    /// </summary>
    public static readonly string[] ExportedMeters = ["System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

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
        var outbox = app.Services.GetRequiredService<IAlertOutbox>();
        var time = app.Services.GetRequiredService<TimeProvider>();

        // Counts, never lists: a few indexed queries per scrape whatever the size of the history.
        metrics.Registry.AddBeforeCollectCallback(async ct =>
        {
            var now = time.GetUtcNow();
            metrics.SetGauges(await queue.GaugesAsync(now, ct), await outbox.PendingCountAsync(ct), now);
        });

        // The process's standard series (process_cpu_seconds_total, process_resident_memory_bytes, …) and the meters
        // of this host; an ASP.NET Core meter is this host's when it comes from its meter factory (a process may host
        // several servers, as the tests do).
        DotNetStats.Register(metrics.Registry);
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        var meters = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            // The factory decides where the series go (it defaults to the process-wide registry, whatever Registry says).
            Registry = metrics.Registry,
            MetricFactory = Metrics.WithCustomRegistry(metrics.Registry),
            InstrumentFilterPredicate = instrument => ExportedMeters.Contains(instrument.Meter.Name)
                && (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meterFactory)),
        });
        app.Lifetime.ApplicationStopped.Register(meters.Dispose);

        app.MapMetrics("/metrics", metrics.Registry);
        return app;
    }
}
