using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Orchestrator.Core.Json;

/// <summary>
/// ISO 8601 durations as used in workflow files (<c>PT30S</c>, <c>PT1H30M</c>, <c>P1D</c>, <c>P2W</c>).
/// Years and months are rejected: their length depends on the calendar.
/// </summary>
public static partial class IsoDuration
{
    [GeneratedRegex(@"^P(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<m>\d+)M)?(?:(?<s>\d+(?:[.,]\d+)?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text == "P" || text.EndsWith('T'))
        {
            return false;
        }

        var match = Syntax().Match(text);
        if (!match.Success)
        {
            return false;
        }

        try
        {
            // Decimal, not double: "PT0.0013543S" is 13,543 ticks exactly, as Format wrote it.
            decimal Part(string name) => match.Groups[name].Success
                ? decimal.Parse(match.Groups[name].Value.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
                : 0m;
            var ticks = (((Part("w") * 7) + Part("d")) * TimeSpan.TicksPerDay)
                + (Part("h") * TimeSpan.TicksPerHour)
                + (Part("m") * TimeSpan.TicksPerMinute)
                + (Part("s") * TimeSpan.TicksPerSecond);
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }

            value = TimeSpan.FromTicks((long)decimal.Round(ticks, MidpointRounding.AwayFromZero));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static TimeSpan Parse(string text) => TryParse(text, out var value)
        ? value
        : throw new FormatException($"'{text}' is not an ISO 8601 duration such as PT30S, PT1H30M or P1D.");

    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "PT0S";
        }

        var text = new StringBuilder(value < TimeSpan.Zero ? "-P" : "P");
        value = value.Duration();
        if (value.Days > 0)
        {
            text.Append(value.Days).Append('D');
        }

        if (value.Ticks % TimeSpan.TicksPerDay != 0)
        {
            text.Append('T');
            if (value.Hours > 0)
            {
                text.Append(value.Hours).Append('H');
            }

            if (value.Minutes > 0)
            {
                text.Append(value.Minutes).Append('M');
            }

            var seconds = value.Ticks % TimeSpan.TicksPerMinute / (decimal)TimeSpan.TicksPerSecond;
            if (seconds > 0)
            {
                text.Append(seconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }
}

/// <summary>Reads and writes <see cref="TimeSpan"/> as an ISO 8601 duration.</summary>
public sealed class IsoDurationConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return IsoDuration.TryParse(text, out var value)
            ? value
            : throw new JsonException($"'{text}' is not an ISO 8601 duration such as PT30S, PT1H30M or P1D.");
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
        => writer.WriteStringValue(IsoDuration.Format(value));
}
