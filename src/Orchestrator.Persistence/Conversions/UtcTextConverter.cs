using System.Globalization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Orchestrator.Persistence.Conversions;

/// <summary>
/// Stores an instant as fixed-width ISO 8601 UTC text with 100 ns precision (<c>2025-01-31T06:00:00.0000000Z</c>):
/// text order is time order, so SQL can sort and compare it, and the column stays readable. The offset is not
/// kept; the value comes back as the same instant in UTC.
/// </summary>
internal sealed class UtcTextConverter() : ValueConverter<DateTimeOffset, string>(v => Format(v), v => Parse(v))
{
    private const string Pattern = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    private static string Format(DateTimeOffset value)
        => value.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text)
        => DateTimeOffset.ParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
