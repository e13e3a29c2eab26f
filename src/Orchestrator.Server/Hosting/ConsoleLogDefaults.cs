using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Orchestrator.Server.Hosting;

/// <summary>
/// How the console log looks unless <c>Logging:Console:FormatterOptions</c> says otherwise, on the server and in the
/// CLI: every line starts with its UTC timestamp (ISO 8601), one entry a line, and the logging scopes (the workflow,
/// run, task and attempt of a task's lines) are written with it. <c>Logging:Console:FormatterName=json</c> gives one
/// JSON object a line with the same fields.
/// </summary>
public static class ConsoleLogDefaults
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// Registers the defaults ahead of every other configuration of the formatters, so that the settings bound from
    /// <c>Logging:Console:FormatterOptions</c> (and any later <c>Configure</c>) still override them.
    /// </summary>
    public static IServiceCollection AddConsoleLogDefaults(this IServiceCollection services)
    {
        // Named: without a formatter name the console logger takes its obsolete options instead of the formatter's.
        services.PostConfigure<ConsoleLoggerOptions>(o =>
        {
            if (string.IsNullOrEmpty(o.FormatterName))
            {
                o.FormatterName = ConsoleFormatterNames.Simple;
            }
        });
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<SimpleConsoleFormatterOptions>>(
            new ConfigureOptions<SimpleConsoleFormatterOptions>(o =>
            {
                o.TimestampFormat = TimestampFormat + " ";
                o.UseUtcTimestamp = true;
                o.SingleLine = true;
                o.IncludeScopes = true;
            })));
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<JsonConsoleFormatterOptions>>(
            new ConfigureOptions<JsonConsoleFormatterOptions>(o =>
            {
                o.TimestampFormat = TimestampFormat;
                o.UseUtcTimestamp = true;
                o.IncludeScopes = true;
            })));
        return services;
    }
}
