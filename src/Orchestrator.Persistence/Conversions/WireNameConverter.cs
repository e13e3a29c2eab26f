using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Orchestrator.Core.Json;

namespace Orchestrator.Persistence.Conversions;

/// <summary>Stores an enum as its wire name (<c>up_for_retry</c>), so the database reads like the API.</summary>
internal sealed class WireNameConverter<TEnum>() : ValueConverter<TEnum, string>(v => WireNames.Of(v), v => Parse(v))
    where TEnum : struct, Enum
{
    private static TEnum Parse(string text)
        => WireNames.TryParse<TEnum>(text, out var value)
            ? value
            : throw new InvalidOperationException($"'{text}' is not a {typeof(TEnum).Name} name");
}
