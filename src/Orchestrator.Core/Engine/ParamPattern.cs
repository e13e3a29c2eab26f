using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Orchestrator.Core.Engine;

/// <summary>
/// The regular expression of a string param, compiled once per pattern. A pattern comes from a workflow file, so a
/// careless one (<c>^(a+)+$</c>) must not hang whoever checks a value against it: patterns run on the
/// non-backtracking engine (linear in the text) when they allow it, and every match has a timeout for those that
/// need backtracking (backreferences, lookarounds).
/// </summary>
public static class ParamPattern
{
    /// <summary>How long one match may take before the value counts as not checkable.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    private const int CacheLimit = 1_000;
    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    /// <summary>The compiled pattern; throws <see cref="ArgumentException"/> when it does not parse.</summary>
    public static Regex Compile(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out var known))
        {
            return known;
        }

        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }

        if (Compiled.Count >= CacheLimit)
        {
            Compiled.Clear();
        }

        return Compiled.GetOrAdd(pattern, regex);
    }

    /// <summary>Whether the text matches; null when the match did not finish within <see cref="MatchTimeout"/>.</summary>
    public static bool? IsMatch(string pattern, string text)
    {
        try
        {
            return Compile(pattern).IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
