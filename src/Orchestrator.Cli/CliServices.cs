using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Cli;

/// <summary>The services of one CLI invocation: engine, validator, activities, stores.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string dataDirectory)
    {
        var services = new ServiceCollection();

        // Connections come from the same places as on the server: Orchestrator__Connections__<name>__... and
        // ORCHESTRATOR_CONN_<NAME> in the environment.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= LogLevel.Warning)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddOrchestratorCore(dataDirectory);
        services.AddOrchestratorActivities();
        return services.BuildServiceProvider();
    }

    public static string DefaultDataDirectory()
        => Environment.GetEnvironmentVariable("ORCHESTRATOR_DATA_DIR") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.CurrentDirectory, "data");
}
