using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Core.Validation;

namespace Orchestrator.Server.Api;

/// <summary>ProblemDetails with stable <c>type</c> URIs, so clients can branch on the kind of error.</summary>
public static class Problems
{
    private const string Base = "https://orchestrator.dev/problems/";

    public static ProblemHttpResult NotFound(string what) => TypedResults.Problem(
        title: "Not found", detail: what, statusCode: StatusCodes.Status404NotFound, type: Base + "not-found");

    public static ProblemHttpResult Conflict(string detail, string kind) => TypedResults.Problem(
        title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict, type: Base + kind);

    public static ProblemHttpResult BadRequest(string detail, string kind, IReadOnlyList<string>? errors = null) => TypedResults.Problem(
        title: "Bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest, type: Base + kind,
        extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    /// <summary>
    /// The page a list request asks for (at most 500 items, one more read to learn whether a next page exists), or a
    /// 400 for one that cannot exist: a take below 1, a cursor that no list answer produced.
    /// </summary>
    public static ProblemHttpResult? InvalidPage(string? cursor, int take, out Core.Storage.Page page)
    {
        page = new Core.Storage.Page(Take: Math.Min(take, 500) + 1);
        if (take < 1)
        {
            return BadRequest($"take must be 1 or more (got {take})", "invalid-page");
        }

        if (cursor is null)
        {
            return null;
        }

        if (!Core.Storage.ListCursor.TryDecode(cursor, out var after))
        {
            return BadRequest("cursor is not one a list answer gave as nextCursor", "invalid-cursor");
        }

        page = page with { After = after };
        return null;
    }

    /// <summary>A file change refused because the workflow file is not in the state the caller expected (it changed on disk).</summary>
    public static ProblemHttpResult FileChanged(string detail, Server.Workflows.WorkflowFileState current) => TypedResults.Problem(
        title: "Precondition failed", detail: detail, statusCode: StatusCodes.Status412PreconditionFailed, type: Base + "workflow-changed",
        extensions: new Dictionary<string, object?> { ["currentVersion"] = current.Version, ["exists"] = current.Exists });

    /// <summary>A request that parses but cannot be carried out as it is (a cron that does not parse).</summary>
    public static ProblemHttpResult Unprocessable(string detail, string kind) => TypedResults.Problem(
        title: "Unprocessable request", detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity, type: Base + kind);

    /// <summary>
    /// An invalid workflow definition, with every located error: 422, or 400 when the body is not even UTF-8 text
    /// (a request that cannot be read, rather than a definition that does not hold).
    /// </summary>
    public static ProblemHttpResult InvalidWorkflow(IReadOnlyList<Diagnostic> diagnostics)
    {
        var unreadable = diagnostics.Any(d => d.Code == DiagnosticCodes.InvalidEncoding);
        return TypedResults.Problem(
            title: unreadable ? "Body is not UTF-8" : "Invalid workflow",
            detail: unreadable ? diagnostics[0].Message : $"the definition has {diagnostics.Count} error(s)",
            statusCode: unreadable ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
            type: Base + (unreadable ? "invalid-encoding" : "invalid-workflow"),
            extensions: new Dictionary<string, object?> { ["errors"] = diagnostics.Select(DiagnosticDto.From).ToList() });
    }
}
