namespace Orchestrator.Storage;

/// <summary>Per-workflow server state that is not in the file: paused or not.</summary>
public interface IWorkflowStateStore
{
    Task<IReadOnlySet<string>> PausedAsync(CancellationToken cancellationToken);

    Task SetPausedAsync(string workflowId, bool paused, CancellationToken cancellationToken);
}
