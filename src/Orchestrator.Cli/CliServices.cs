using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Cli;

/// <summary>The services of one CLI invocation: engine, validator, activities, stores.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string dataDirectory)
    {
        var services = new ServiceCollection();

        // Connections and alert channels come from the same places as on the server: Orchestrator__Connections__<name>__...
        // and ORCHESTRATOR_CONN_<NAME>, Orchestrator__Alerts__Channels__<name>__... and ORCHESTRATOR_CHANNEL_<NAME> in the environment.
        var configuration = Environment();
        services.AddSingleton(configuration);

        // Warnings and errors on stderr, each line with its UTC timestamp and scopes (the workflow, run, task and attempt
        // of the lines of an attempt); Logging__LogLevel__*, Logging__Console__FormatterName=json and the other logging
        // settings of the server apply.
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole()
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter(Core.Engine.AttemptRunner.TaskLogCategory, LogLevel.None) // `run` streams the task logs itself
            .AddFilter(typeof(Server.Alerts.AlertDispatcher).FullName, LogLevel.None) // `run` reports undelivered alerts itself
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddConsoleLogDefaults();
        services.AddOrchestratorCore(dataDirectory);
        services.AddOrchestratorActivities();

        // Alerts of `orchestrator run`: recorded by the run's changes into an in-memory outbox, delivered by the server's dispatcher.
        services.AddOptions<Server.Alerts.AlertOptions>().BindConfiguration(Server.Alerts.AlertOptions.SectionName).ValidateDataAnnotations();
        services.AddOptions<Server.Hosting.OrchestratorOptions>().BindConfiguration(Server.Hosting.OrchestratorOptions.SectionName);
        services.AddSingleton(sp => new AlertRouting(sp.GetRequiredService<IOptions<Server.Alerts.AlertOptions>>().Value.Rules()));
        services.AddSingleton<IAlertOutbox, InMemoryAlertOutbox>();
        services.AddSingleton<IRunChangeParticipant, AlertOutboxWriter>();
        services.AddSingleton(new WorkerSettings { Name = $"cli-{System.Environment.ProcessId}" });
        services.AddSingleton<Server.Observability.OrchestratorMetrics>();
        services.AddSingleton<Server.Alerts.AlertDispatcher>();
        services.AddSingleton<CliAlerts>();
        return services.BuildServiceProvider();
    }

    /// <summary>What is wrong with the connections of the environment, or null.</summary>
    public static string? CheckConnections()
    {
        try
        {
            _ = ConnectionCatalog.Load(Environment(), ConnectionCatalog.ProcessEnvironment());
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>What is wrong with the pools of the environment (<c>Orchestrator__Pools__&lt;name&gt;</c> = slot count), or null.</summary>
    public static string? CheckPools()
    {
        try
        {
            _ = Core.Engine.PoolSettings.Read(Environment());
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>What is wrong with the alert channels of the environment (or the templates they would use), or null.</summary>
    public static string? CheckAlerts()
    {
        try
        {
            var configuration = Environment();
            _ = AlertChannelCatalog.Load(configuration, AlertChannelCatalog.ProcessEnvironment());
            _ = AlertComposer.Load(configuration);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    private static IConfiguration Environment() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    public static string DefaultDataDirectory()
        => System.Environment.GetEnvironmentVariable("ORCHESTRATOR_DATA_DIR") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(System.Environment.CurrentDirectory, "data");
}
