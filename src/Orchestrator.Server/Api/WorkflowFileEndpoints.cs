using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Api;

/// <summary>
/// The designer's writes to <c>workflows/</c>: save, rename, delete; each guarded by the version the client read
/// (<c>If-Match</c>, see <see cref="WorkflowVersionTag"/>).
/// </summary>
public static class WorkflowFileEndpoints
{
    public static RouteGroupBuilder MapWorkflowFileEndpoints(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");

        // The body is read as bytes so that errors are located in it; the document still types it as a definition.
        workflows.MapPut("/{id}", SaveAsync).WithName("saveWorkflow")
            .WithSummary("Validates a definition and writes workflows/<id>.json in the stable format: 201 when the file is new, 200 when replaced; If-Match guards against a file changed on disk (412).")
            .Accepts<WorkflowDefinition>("application/json")
            .Produces<WorkflowDetailDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireRole(Security.ApiPolicies.Editor);
        workflows.MapPost("/{id}/rename", RenameAsync).WithName("renameWorkflow")
            .WithSummary("Moves the workflow's file to <newId>.json with the new id; the old id is deactivated and keeps its runs.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .RequireRole(Security.ApiPolicies.Editor);
        workflows.MapDelete("/{id}", DeleteAsync).WithName("deleteWorkflow")
            .WithSummary("Moves the workflow's file to the history folder of the data directory and deactivates it; its runs stay.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .RequireRole(Security.ApiPolicies.Editor);
        return api;
    }

    private static async Task<Results<Ok<WorkflowDetailDto>, Created<WorkflowDetailDto>, ProblemHttpResult>> SaveAsync(
        string id, HttpRequest request, HttpResponse response, WorkflowValidator validator, WorkflowCatalog catalog, IWorkflowStateStore states,
        IRunStore runs, IWorkflowVersionStore versions, WorkflowScheduler scheduler, CancellationToken ct)
    {
        // Bytes, not text: a body that is not UTF-8 is an error to report, not text to repair with U+FFFD.
        var json = await WorkflowEndpoints.ReadBodyAsync(request, ct);

        // Checked before saving: a definition under the wrong URL must not be written to the folder.
        var result = validator.Validate("request.json", json);
        if (!result.IsValid)
        {
            return Problems.InvalidWorkflow(result.Diagnostics);
        }

        if (result.Definition!.Id != id)
        {
            return Problems.BadRequest($"the definition's id '{result.Definition.Id}' differs from '{id}' in the URL", "id-mismatch");
        }

        var change = await catalog.SaveAsync(json, WorkflowVersionTag.Precondition(request), ct);
        if (Failure(id, change) is { } failure)
        {
            return failure;
        }

        return await WorkflowEndpoints.GetAsync(id, response, catalog, states, runs, versions, scheduler, ct) switch
        {
            { Result: Ok<WorkflowDetailDto> ok } when change.Outcome == WorkflowFileOutcome.Created => TypedResults.Created($"/api/v1/workflows/{id}", ok.Value),
            { Result: Ok<WorkflowDetailDto> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            _ => throw new InvalidOperationException("unexpected detail result"),
        };
    }

    private static async Task<Results<Ok<WorkflowDetailDto>, ProblemHttpResult>> RenameAsync(
        string id, RenameRequest body, HttpRequest request, HttpResponse response, WorkflowCatalog catalog, IWorkflowStateStore states,
        IRunStore runs, IWorkflowVersionStore versions, WorkflowScheduler scheduler, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(body.NewId))
        {
            return Problems.BadRequest("the body must name the workflow's new id: { \"newId\": \"…\" }", "invalid-body");
        }

        var change = await catalog.RenameAsync(id, body.NewId, WorkflowVersionTag.Precondition(request), ct);
        return Failure(id, change, body.NewId) ?? await WorkflowEndpoints.GetAsync(body.NewId, response, catalog, states, runs, versions, scheduler, ct);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpRequest request, WorkflowCatalog catalog, CancellationToken ct)
        => Failure(id, await catalog.DeleteAsync(id, WorkflowVersionTag.Precondition(request), ct)) is { } failure ? failure : TypedResults.NoContent();

    private static ProblemHttpResult? Failure(string id, WorkflowFileChange change, string? newId = null) => change.Outcome switch
    {
        WorkflowFileOutcome.Invalid => Problems.InvalidWorkflow(change.Errors!),
        WorkflowFileOutcome.NotFound => Problems.NotFound($"workflow '{id}' has no file"),
        WorkflowFileOutcome.IdTaken => Problems.Conflict($"workflow '{newId}' exists already", "workflow-exists"),
        WorkflowFileOutcome.PreconditionFailed => Problems.FileChanged(Changed(id, change.Current!), change.Current!),
        _ => null,
    };

    private static string Changed(string id, WorkflowFileState current) => current switch
    {
        { Exists: false } => $"workflow '{id}' has no file any more",
        { Version: null } => $"the file of workflow '{id}' changed on disk and is now invalid",
        { Version: var version } => $"the file of workflow '{id}' exists with version {version}, not the version this change was made from",
    };
}
