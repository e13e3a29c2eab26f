using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Model;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Workflows;
using Orchestrator.Storage;
using Orchestrator.Validation;

namespace Orchestrator.Server.Api;

/// <summary>
/// The designer's writes to <c>workflows/</c>: save (<c>PUT</c>), guarded by the version the client read
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
        if (!change.Validation.IsValid)
        {
            return Problems.InvalidWorkflow(change.Validation.Diagnostics);
        }

        if (change.Refused is { } current)
        {
            return Problems.FileChanged(Changed(id, current), current);
        }

        return await WorkflowEndpoints.GetAsync(id, response, catalog, states, runs, versions, scheduler, ct) switch
        {
            { Result: Ok<WorkflowDetailDto> ok } when change.Created => TypedResults.Created($"/api/v1/workflows/{id}", ok.Value),
            { Result: Ok<WorkflowDetailDto> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            _ => throw new InvalidOperationException("unexpected detail result"),
        };
    }

    private static string Changed(string id, WorkflowFileState current) => current switch
    {
        { Exists: false } => $"workflow '{id}' has no file any more",
        { Version: null } => $"the file of workflow '{id}' changed on disk and is now invalid",
        { Version: var version } => $"the file of workflow '{id}' exists with version {version}, not the version this change was made from",
    };
}
