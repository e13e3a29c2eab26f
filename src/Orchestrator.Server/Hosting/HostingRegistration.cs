using Microsoft.Extensions.Options;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Activities;

namespace Orchestrator.Server.Hosting;

public static class HostingRegistration
{
    /// <summary>Listens on <see cref="OrchestratorHost.DefaultUrl"/> unless <c>urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public static WebApplicationBuilder UseOrchestratorUrls(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(OrchestratorHost.DefaultUrl);
        }

        return builder;
    }

    /// <summary>
    /// Our lines at information, the frameworks' at warning; every line with its UTC timestamp and scopes
    /// (<see cref="ConsoleLogDefaults"/>); one JSON object a line with <c>Logging:Console:FormatterName=json</c>
    /// (or its shorthand <c>Orchestrator:LogFormat=json</c>).
    /// </summary>
    public static WebApplicationBuilder UseOrchestratorLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);

        // A failed command surfaces as an exception that our code handles or logs with context (a second node
        // losing the race for a logical date, the first look for the migrations table); EF's own line is noise.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Update", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Quartz", LogLevel.Warning);

        // An unready server answers /health/ready 503, which is what a probe asks; the framework would log each such
        // answer as an error (every probe while the server starts). The readiness check logs what needs an operator.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
        builder.Services.AddConsoleLogDefaults();
        if (builder.Configuration[$"{OrchestratorOptions.SectionName}:LogFormat"] == "json")
        {
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
                o => o.FormatterName = Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Json);
        }

        return builder;
    }

    /// <summary>
    /// The server's settings (validated at start), the request body limit, the data directory, and the trim that
    /// returns a burst's memory once the node is idle.
    /// </summary>
    public static IServiceCollection AddOrchestratorHosting(this IServiceCollection services)
    {
        services.AddOptions<OrchestratorOptions>().BindConfiguration(OrchestratorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<OrchestratorOptions>>((kestrel, orchestrator) => kestrel.Limits.MaxRequestBodySize = orchestrator.Value.MaxRequestBodySize);

        // From the bound options, not read here: configuration added after this call must count.
        services.AddSingleton(sp =>
        {
            var dataDirectory = Path.GetFullPath(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.DataDirectory);
            Directory.CreateDirectory(dataDirectory);
            return new DataDirectory(dataDirectory);
        });
        services.AddHostedService(sp => new IdleMemoryTrim(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IdleMemoryTrim>>()));

        return services;
    }

    /// <summary>
    /// Fails at start, naming the entry, when a connection, an alert channel or an alert template does not parse,
    /// rather than at the first task or alert that needs it.
    /// </summary>
    public static WebApplication CheckSettings(this WebApplication app)
    {
        try
        {
            _ = app.Services.GetRequiredService<ConnectionCatalog>();
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Connections: {e.Message}", e);
        }

        try
        {
            _ = app.Services.GetRequiredService<Orchestrator.Activities.Alerts.AlertChannelCatalog>();
            _ = app.Services.GetRequiredService<Orchestrator.Activities.Alerts.AlertComposer>();
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Alerts: {e.Message}", e);
        }

        return app;
    }
}
