using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Validation;

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

    /// <summary>A request that parses but cannot be carried out as it is (a cron that does not parse).</summary>
    public static ProblemHttpResult Unprocessable(string detail, string kind) => TypedResults.Problem(
        title: "Unprocessable request", detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity, type: Base + kind);

    /// <summary>An invalid workflow definition, with every located error.</summary>
    public static ProblemHttpResult InvalidWorkflow(IReadOnlyList<Diagnostic> diagnostics) => TypedResults.Problem(
        title: "Invalid workflow",
        detail: $"the definition has {diagnostics.Count} error(s)",
        statusCode: StatusCodes.Status422UnprocessableEntity,
        type: Base + "invalid-workflow",
        extensions: new Dictionary<string, object?> { ["errors"] = diagnostics.Select(DiagnosticDto.From).ToList() });
}
