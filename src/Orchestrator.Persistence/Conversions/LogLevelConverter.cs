using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Persistence.Conversions;

/// <summary>Stores a log level as its lower-case name (<c>information</c>), the spelling <c>core.log</c> accepts.</summary>
internal sealed class LogLevelConverter() : ValueConverter<LogLevel, string>(v => Name(v), v => Parse(v))
{
    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        LogLevel.None => "none",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "unknown log level"),
    };

    private static LogLevel Parse(string name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" => LogLevel.Information,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => throw new InvalidOperationException($"'{name}' is not a log level name"),
    };
}
