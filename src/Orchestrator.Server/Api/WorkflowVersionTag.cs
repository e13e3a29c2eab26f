using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary>Workflow versions as HTTP entity tags, and the <c>If-Match</c> / <c>If-None-Match</c> preconditions of a file change.</summary>
public static class WorkflowVersionTag
{
    public static string Of(string version) => $"\"{version}\"";

    /// <summary>
    /// <c>If-None-Match: *</c>: only when there is no file (a new workflow must not replace one). <c>If-Match</c> with
    /// versions: only when the file exists and its definition has one of them. <c>If-Match: *</c> or neither header:
    /// no condition. Null when there is no condition.
    /// </summary>
    public static Func<WorkflowFileState, bool>? Precondition(HttpRequest request)
    {
        var match = Tags(request.Headers.IfMatch);
        var noneMatch = Tags(request.Headers.IfNoneMatch);
        var mustMatch = match.Count > 0 && !match.Contains("*");
        var mustBeAbsent = noneMatch.Contains("*");
        if (!mustMatch && !mustBeAbsent)
        {
            return null;
        }

        return state => (!mustMatch || (state.Version is { } version && match.Contains(version))) && (!mustBeAbsent || !state.Exists);
    }

    // Lenient on purpose: an unquoted or weak tag still names the version, and is not mistaken for "no condition".
    private static HashSet<string> Tags(Microsoft.Extensions.Primitives.StringValues values)
        => values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(t => t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t)
            .Select(t => t.Trim('"'))
            .Where(t => t.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
}
