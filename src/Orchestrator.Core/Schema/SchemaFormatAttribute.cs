namespace Orchestrator.Core.Schema;

/// <summary>Sets the JSON Schema <c>format</c> of a string property; the validator checks the formats of <see cref="SchemaFormats"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaFormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

public static class SchemaFormats
{
    public const string Cron = "cron";
    public const string TimeZone = "timezone";
    public const string Duration = "duration";
    public const string DateTime = "date-time";
}
