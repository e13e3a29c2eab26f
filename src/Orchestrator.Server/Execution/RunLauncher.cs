using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Execution;

/// <summary>Why a run could not be created.</summary>
public enum LaunchFailure
{
    UnknownWorkflow,
    InactiveWorkflow,
    InvalidParams,
    DuplicateLogicalDate,

    /// <summary>A run of the trigger batch exists already (its first offsets were launched).</summary>
    BatchAlreadyLaunched,
}

/// <summary>A created run, or why none was created.</summary>
public sealed record LaunchResult(RunRecord? Run, LaunchFailure? Failure = null, IReadOnlyList<string>? Errors = null);

/// <summary>
/// Creates runs — manual, scheduled, backfill, event — from the active version of a workflow (draft runs from a definition of their own): params checked and
/// defaulted, data interval from the schedule, stored queued in the run queue (at most one run per logical date;
/// for an event run, one run per trigger batch), workers woken.
/// </summary>
public sealed class RunLauncher(WorkflowCatalog catalog, IRunQueue queue, ITriggerBatchStore batches, QueueSignal signal, TimeProvider time)
{
    /// <summary>How many later microseconds an event run tries when another run has its logical date.</summary>
    private const int EventDateAttempts = 1000;

    public async Task<LaunchResult> LaunchAsync(
        string workflowId,
        RunKind kind,
        DateTimeOffset? logicalDate,
        IReadOnlyDictionary<string, JsonElement>? parameters,
        CancellationToken cancellationToken)
    {
        var (plan, values, failure) = Prepare(workflowId, parameters);
        return failure ?? await CreateAsync(plan!, kind, logicalDate, values!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a draft run of <paramref name="plan"/>, a definition that is not the workflow's active version (it
    /// may not even have a file): params checked and defaulted, logical date now, queued like any run.
    /// </summary>
    public async Task<LaunchResult> LaunchDraftAsync(WorkflowPlan plan, IReadOnlyDictionary<string, JsonElement>? parameters, CancellationToken cancellationToken)
    {
        var (values, failure) = ResolveParams(plan, parameters);
        return failure ?? await CreateAsync(plan, RunKind.Draft, null, values!, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LaunchResult> CreateAsync(
        WorkflowPlan plan, RunKind kind, DateTimeOffset? logicalDate, IReadOnlyDictionary<string, JsonElement> values, CancellationToken cancellationToken)
    {
        var now = Now();
        var date = logicalDate ?? now;
        var (run, tasks) = New(plan, Guid.CreateVersion7(now), kind, date, values, null, now);
        if (!await queue.TryCreateRunAsync(run, tasks, cancellationToken).ConfigureAwait(false))
        {
            return new LaunchResult(null, LaunchFailure.DuplicateLogicalDate,
                [$"workflow '{plan.WorkflowId}' already has a run at logical date {Core.Templates.TemplateScope.Iso(date)}"]);
        }

        signal.Pulse();
        return new LaunchResult(run);
    }

    /// <summary>
    /// Creates the event run of a trigger batch (<paramref name="trigger"/>), recording its offsets with it in one
    /// transaction; none when a run of the batch exists. Its logical date is now, or the next free microsecond.
    /// </summary>
    public async Task<LaunchResult> LaunchBatchAsync(string workflowId, Guid runId, RunTrigger trigger, CancellationToken cancellationToken)
    {
        var (plan, values, failure) = Prepare(workflowId, null);
        if (failure is not null)
        {
            return failure;
        }

        var now = Now();
        for (var attempt = 0; attempt < EventDateAttempts; attempt++)
        {
            var (run, tasks) = New(plan!, runId, RunKind.Event, now.AddTicks(10 * attempt), values!, trigger, now);
            switch (await batches.TryCreateBatchRunAsync(run, tasks, cancellationToken).ConfigureAwait(false))
            {
                case BatchRunCreation.Created:
                    signal.Pulse();
                    return new LaunchResult(run);
                case BatchRunCreation.AlreadyLaunched:
                    return new LaunchResult(null, LaunchFailure.BatchAlreadyLaunched,
                        [$"a run of workflow '{workflowId}' was already created for this batch of {trigger.Group}"]);
            }
        }

        return new LaunchResult(null, LaunchFailure.DuplicateLogicalDate,
            [$"workflow '{workflowId}' has runs at every microsecond from {Core.Templates.TemplateScope.Iso(now)} on"]);
    }

    private (WorkflowPlan? Plan, IReadOnlyDictionary<string, JsonElement>? Params, LaunchResult? Failure) Prepare(
        string workflowId, IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        var entry = catalog.Find(workflowId);
        if (entry?.Plan is null)
        {
            return (null, null, new LaunchResult(null, LaunchFailure.UnknownWorkflow, [$"workflow '{workflowId}' is not known"]));
        }

        if (!entry.Active)
        {
            return (null, null, new LaunchResult(null, LaunchFailure.InactiveWorkflow, [$"workflow '{workflowId}' is deactivated (its file was deleted)"]));
        }

        var (values, failure) = ResolveParams(entry.Plan, parameters);
        return failure is null ? (entry.Plan, values, null) : (null, null, failure);
    }

    private static (IReadOnlyDictionary<string, JsonElement>? Params, LaunchResult? Failure) ResolveParams(
        WorkflowPlan plan, IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        try
        {
            return (ParamResolver.Resolve(plan.Definition.Params, parameters), null);
        }
        catch (ParamValidationException e)
        {
            return (null, new LaunchResult(null, LaunchFailure.InvalidParams, e.Errors));
        }
    }

    /// <summary>Whole microseconds, what PostgreSQL keeps: the run answered now reads the same as the run stored.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % 10));
    }

    private static (RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks) New(
        WorkflowPlan plan, Guid runId, RunKind kind, DateTimeOffset date, IReadOnlyDictionary<string, JsonElement> values, RunTrigger? trigger, DateTimeOffset now)
    {
        var interval = DataIntervals.ForLogicalDate(plan.Definition, date);
        return RunProgress.New(plan, new RunContext
        {
            RunId = runId,
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = kind,
            LogicalDate = date,
            DataIntervalStart = interval.Start,
            DataIntervalEnd = interval.End,
            Params = values,
            Trigger = trigger,
        }, now);
    }
}
