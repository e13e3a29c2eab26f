using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>A run as overview pages show it: no params, no trigger, no error text.</summary>
public sealed record RunSummary(
    Guid Id,
    string WorkflowId,
    string WorkflowVersion,
    RunKind Kind,
    RunState State,
    DateTimeOffset LogicalDate,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    public static RunSummary From(RunRecord r)
        => new(r.Id, r.WorkflowId, r.WorkflowVersion, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.StartedAt, r.EndedAt);
}

/// <summary>A task instance as a cell of the grid: its state and timing, no outputs.</summary>
public sealed record TaskCell(Guid RunId, string TaskId, TaskState State, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt)
{
    public static TaskCell From(TaskInstanceRecord t) => new(t.RunId, t.TaskId, t.State, t.Attempts, t.StartedAt, t.EndedAt);
}

/// <summary>The newest runs of a workflow with every task instance of each.</summary>
public sealed record RunGrid(IReadOnlyList<RunSummary> Runs, IReadOnlyList<TaskCell> Cells);

/// <summary>
/// Read models of the overview pages. Each answers in one or two queries whatever the number of workflows, runs
/// or tasks, so a page never costs a query per row.
/// </summary>
public interface IRunHistory
{
    /// <summary>The newest runs of every workflow, at most <paramref name="perWorkflow"/> each, newest first.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<RunSummary>>> RecentRunsAsync(int perWorkflow, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="runs"/> runs of a workflow, newest first, with their task instances.</summary>
    Task<RunGrid> GridAsync(string workflowId, int runs, CancellationToken cancellationToken);
}
