namespace Orchestrator.Core.Storage;

/// <summary>Workflow versions by content hash.</summary>
public interface IWorkflowVersionStore
{
    /// <summary>Stores the version unless the same (workflow, version) already exists.</summary>
    Task SaveAsync(WorkflowVersionRecord version, CancellationToken cancellationToken);

    Task<WorkflowVersionRecord?> FindAsync(string workflowId, string version, CancellationToken cancellationToken);

    Task<IReadOnlyList<WorkflowVersionRecord>> ListAsync(string workflowId, CancellationToken cancellationToken);
}

/// <summary>Runs, task instances and attempts. The engine talks only to this interface.</summary>
public interface IRunStore
{
    /// <summary>Creates a run and all its task instances at once.</summary>
    Task CreateAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken);

    /// <summary>Persists related state changes in one transaction (upsert by key).</summary>
    Task SaveAsync(RunChanges changes, CancellationToken cancellationToken);

    Task<RunRecord?> FindAsync(Guid runId, CancellationToken cancellationToken);

    Task<RunDetails?> GetDetailsAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Runs, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, Page page, CancellationToken cancellationToken);
}

/// <summary>Task logs, appended in batches and read in pages.</summary>
public interface ITaskLogStore
{
    Task AppendAsync(IReadOnlyList<TaskLogLine> lines, CancellationToken cancellationToken);

    /// <summary>Lines of a task (one attempt, or all when null) with a sequence above <paramref name="afterSequence"/>.</summary>
    Task<IReadOnlyList<TaskLogLine>> ReadAsync(Guid runId, string taskId, int? attempt, long afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="count"/> lines of a task's attempt (all attempts when null), oldest first.</summary>
    Task<IReadOnlyList<TaskLogLine>> TailAsync(Guid runId, string taskId, int? attempt, int count, CancellationToken cancellationToken);
}
