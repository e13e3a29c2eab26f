using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary>
/// <c>/api/v1/invalid-files</c>: workflow files that never held a valid workflow, so no workflow id is known for
/// them and the workflow list cannot show them, with their located errors. (A file that breaks a workflow that was
/// valid stays in the list, its last good version active, with its errors.)
/// </summary>
public static class InvalidFileEndpoints
{
    public static RouteGroupBuilder MapInvalidFileEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/invalid-files", (WorkflowCatalog catalog) => TypedResults.Ok(catalog.InvalidFiles
                .Select(f => new InvalidFileDto(Path.GetFileName(f.File), f.Errors.Select(DiagnosticDto.From).ToList()))
                .ToList()))
            .WithName("listInvalidFiles").WithTags("Workflows")
            .WithSummary("Workflow files that never held a valid workflow, with their located errors.");
        return api;
    }
}

public sealed record InvalidFileDto(string File, IReadOnlyList<DiagnosticDto> Errors);
