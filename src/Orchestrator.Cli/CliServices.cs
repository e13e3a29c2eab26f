using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Connections;

namespace Orchestrator.Cli;

/// <summary>The services of one CLI invocation: engine, validator, activities, stores.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string dataDirectory)
    {
        var services = new ServiceCollection();

        // Connections and alert channels come from the same places as on the server: Orchestrator__Connections__<name>__...
        // and ORCHESTRATOR_CONN_<NAME>, Orchestrator__Alerts__Channels__<name>__... and ORCHESTRATOR_CHANNEL_<NAME> in the environment.
        services.AddSingleton(Environment());
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= LogLevel.Warning)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddOrchestratorCore(dataDirectory);
        services.AddOrchestratorActivities();
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
            _ = Core.Engine.LocalRun.Pools(Environment());
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
