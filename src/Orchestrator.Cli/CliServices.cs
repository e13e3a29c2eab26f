using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Cli;

/// <summary>The services of one CLI invocation: engine, validator, activities, stores.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string dataDirectory)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= LogLevel.Warning)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddOrchestratorCore(dataDirectory);
        return services.BuildServiceProvider();
    }

    public static string DefaultDataDirectory()
        => Environment.GetEnvironmentVariable("ORCHESTRATOR_DATA_DIR") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.CurrentDirectory, "data");
}
