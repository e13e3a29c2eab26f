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

    /// <summary>A 400 for a page that cannot exist (a negative skip, a take below 1), or null for a good one.</summary>
    public static ProblemHttpResult? InvalidPage(int skip, int take) => skip < 0 || take < 1
        ? BadRequest($"skip must be 0 or more and take 1 or more (got skip={skip}, take={take})", "invalid-page")
        : null;

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
