using System.Globalization;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Schema;

namespace Orchestrator.Core.Validation;

/// <summary>Checks the string formats the workflow and activity schemas use.</summary>
public static class WorkflowFormats
{
    public static string? Check(string format, string value) => format switch
    {
        SchemaFormats.Cron => CronSchedule.TryParseExpression(value, out _, out var error) ? CronChecks.InvertedRange(value) : error,
        SchemaFormats.TimeZone => CronSchedule.TryFindZone(value, out _) ? null : $"unknown time zone '{value}' (use an IANA name such as Europe/Paris or a Windows id such as Romance Standard Time)",
        SchemaFormats.Duration => IsoDuration.TryParse(value, out _) ? null : $"'{value}' is not an ISO 8601 duration such as PT30S, PT1H30M or P1D",
        SchemaFormats.DateTime => IsDateTime(value) ? null : $"'{value}' is not an ISO 8601 date-time with offset such as 2026-01-01T00:00:00Z",
        _ => null,
    };

    private static bool IsDateTime(string value)
        => value.Length >= 20
           && (value.EndsWith('Z') || value[^6] is '+' or '-')
           && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    public static string CodeFor(string format) => format switch
    {
        SchemaFormats.Cron => DiagnosticCodes.InvalidCron,
        SchemaFormats.TimeZone => DiagnosticCodes.InvalidTimeZone,
        SchemaFormats.Duration => DiagnosticCodes.InvalidDuration,
        SchemaFormats.DateTime => DiagnosticCodes.InvalidDateTime,
        _ => DiagnosticCodes.PatternMismatch,
    };
}
