using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Orchestrator.Server.Alerts;
using Orchestrator.Server.Api;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Observability;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Security;
using Orchestrator.Server.Storage;
using Orchestrator.Server.Triggers;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Hosting;

/// <summary>
/// Builds the workflow server, one concern per line; each <c>Add…</c> lives in the folder of what it registers.
/// Used by <c>dotnet run --project src/Orchestrator.Server</c>, by <c>orchestrator server</c> and by tests.
/// </summary>
public static class OrchestratorHost
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <param name="configure">
    /// Runs first: settings it adds count for every decision below (the database among them), and services it
    /// registers stand in for the defaults (a clock, an event stream factory).
    /// </param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The slim builder: Kestrel without HTTP/3 and without IIS integration, whose assemblies (System.Net.Quic
        // among them) every server otherwise loaded for nothing (README, Benchmarks: server start-up). Added back as
        // the full builder has them: HTTPS endpoints from configuration, the console's formatter chosen by
        // configuration (the slim builder pins the simple one) and the EventSource logger that diagnostics tools read.
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Services.RemoveAll<IConfigureOptions<ConsoleLoggerOptions>>();
        builder.Logging.AddConsole();
        builder.Logging.AddEventSourceLogger();

        configure?.Invoke(builder);
        builder.UseOrchestratorUrls();
        builder.UseOrchestratorLogging();

        var database = DatabaseChoice.From(builder.Configuration);
        builder.Services
            .AddOrchestratorHosting()
            .AddOrchestratorStorage(database)
            .AddOrchestratorObservability()
            .AddOrchestratorWorkflows()
            .AddOrchestratorExecution()
            .AddOrchestratorTriggers()
            .AddOrchestratorAlerts()
            .AddOrchestratorScheduling(database)
            .AddOrchestratorSecurity()
            .AddOrchestratorApi()
            .AddWebUi();

        var app = builder.Build();
        app.CheckSettings();
        app.UseApiKeyDecision();
        app.UseOrchestratorApi();
        app.MapOrchestratorApi();
        app.MapOrchestratorObservability();
        app.MapWebUi();
        return app;
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
}
