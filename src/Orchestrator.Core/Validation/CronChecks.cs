using System.Globalization;
using Cronos;

namespace Orchestrator.Core.Validation;

/// <summary>What a cron expression may not be even when Cronos parses it: a range written backwards, or a schedule that never fires.</summary>
internal static class CronChecks
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>Why a field has a range whose start is after its end (<c>1-0</c>, <c>FRI-MON</c>), or null.</summary>
    public static string? InvertedRange(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < fields.Length; i++)
        {
            // The last two fields are months and weekdays, whichever the field count.
            var names = i == fields.Length - 2 ? Months : i == fields.Length - 1 ? Days : [];
            foreach (var part in fields[i].Split(','))
            {
                var range = part.Split('/')[0].Split('-');
                if (range.Length == 2 && Value(range[0], names, i == fields.Length - 2) is { } from && Value(range[1], names, i == fields.Length - 2) is { } to && from > to)
                {
                    return $"cron '{expression}' has the range {range[0]}-{range[1]}, whose start is after its end";
                }
            }
        }

        return null;
    }

    /// <summary>Whether the expression has no occurrence at all (<c>0 0 31 2 *</c>: February has no 31st).</summary>
    public static bool NeverFires(CronExpression cron)
        => cron.GetNextOccurrence(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), inclusive: true) is null;

    private static int? Value(string text, string[] names, bool months)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var index = Array.IndexOf(names, text.ToUpperInvariant());
        return index < 0 ? null : months ? index + 1 : index;
    }
}
