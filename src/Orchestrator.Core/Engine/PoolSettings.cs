using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Orchestrator.Core.Engine;

/// <summary>
/// Named pools and their slot counts, from <c>Orchestrator:Pools:&lt;name&gt;</c> (e.g. <c>Orchestrator__Pools__warehouse=4</c>):
/// one rule for the server's options and for <c>orchestrator run</c>.
/// </summary>
public static class PoolSettings
{
    public const string SectionName = "Orchestrator:Pools";

    public const string Rule = "Orchestrator:Pools:<name> needs a lower-case id as name and at least 1 slot.";

    public static bool IsValid(string name, int slots) => slots >= 1 && Regex.IsMatch(name, Model.Ids.Pattern);

    /// <exception cref="FormatException">A pool's name or slot count breaks <see cref="Rule"/>.</exception>
    public static IReadOnlyDictionary<string, int> Read(IConfiguration? configuration)
    {
        var pools = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pool in configuration?.GetSection(SectionName).GetChildren() ?? [])
        {
            if (!int.TryParse(pool.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var slots) || !IsValid(pool.Key, slots))
            {
                throw new FormatException($"{SectionName}:{pool.Key} = '{pool.Value}': {Rule}");
            }

            pools[pool.Key] = slots;
        }

        return pools;
    }
}
