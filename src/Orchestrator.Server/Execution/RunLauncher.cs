using System.Text.Json;
using Orchestrator.Engine;
using Orchestrator.Model;
using Orchestrator.Server.Workflows;
using Orchestrator.Storage;

namespace Orchestrator.Server.Execution;

/// <summary>Why a run could not be created.</summary>
public enum LaunchFailure
{
    UnknownWorkflow,
    InactiveWorkflow,
    InvalidParams,
    DuplicateLogicalDate,
}

/// <summary>A created run, or why none was created.</summary>
public sealed record LaunchResult(RunRecord? Run, LaunchFailure? Failure = null, IReadOnlyList<string>? Errors = null);

/// <summary>
/// Creates runs — manual, scheduled, backfill — from the active version of a workflow: params checked and
/// defaulted, data interval from the schedule, stored queued in the run queue (at most one run per logical date),
/// workers woken.
/// </summary>
public sealed class RunLauncher(WorkflowCatalog catalog, IRunQueue queue, QueueSignal signal, TimeProvider time)
{
    public async Task<LaunchResult> LaunchAsync(
        string workflowId,
        RunKind kind,
        DateTimeOffset? logicalDate,
        IReadOnlyDictionary<string, JsonElement>? parameters,
        CancellationToken cancellationToken)
    {
        var entry = catalog.Find(workflowId);
        if (entry?.Plan is null)
        {
            return new LaunchResult(null, LaunchFailure.UnknownWorkflow, [$"workflow '{workflowId}' is not known"]);
        }

        if (!entry.Active)
        {
            return new LaunchResult(null, LaunchFailure.InactiveWorkflow, [$"workflow '{workflowId}' is deactivated (its file was deleted)"]);
        }

        var plan = entry.Plan;
        IReadOnlyDictionary<string, JsonElement> values;
        try
        {
            values = ParamResolver.Resolve(plan.Definition.Params, parameters);
        }
        catch (ParamValidationException e)
        {
            return new LaunchResult(null, LaunchFailure.InvalidParams, e.Errors);
        }

        // Whole microseconds, what PostgreSQL keeps: the run answered now reads the same as the run stored.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.UtcTicks % 10));
        var date = logicalDate ?? now;
        var interval = DataIntervals.ForLogicalDate(plan.Definition, date);
        var context = new RunContext
        {
            RunId = Guid.CreateVersion7(now),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = kind,
            LogicalDate = date,
            DataIntervalStart = interval.Start,
            DataIntervalEnd = interval.End,
            Params = values,
        };
        var (run, tasks) = RunProgress.New(plan, context, now);
        if (!await queue.TryCreateRunAsync(run, tasks, cancellationToken).ConfigureAwait(false))
        {
            return new LaunchResult(null, LaunchFailure.DuplicateLogicalDate,
                [$"workflow '{workflowId}' already has a run at logical date {Templates.TemplateScope.Iso(date)}"]);
        }

        signal.Pulse();
        return new LaunchResult(run);
    }
}
