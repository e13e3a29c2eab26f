using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Orchestrator.Persistence.Conversions;

/// <summary>
/// PostgreSQL's <c>timestamptz</c> holds an instant, and Npgsql writes only offset-zero values into it: a logical
/// date given as <c>2026-03-29T02:00:00+02:00</c> is stored (and compared in queries) as the same instant in UTC.
/// </summary>
internal sealed class UtcInstantConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v.ToUniversalTime());
