using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>
/// Runs one workflow run in this process (<c>orchestrator run</c>, tests, benchmarks) on the server's executor: the
/// run is created in its own <see cref="InMemoryRunQueue"/> (every change written through the <see cref="IRunStore"/>)
/// and one in-process <see cref="QueueWorker"/> claims, runs and records its attempts until the run is final. So
/// readiness, retries, timeouts, <c>runTimeout</c>, trigger rules and pools are decided by the same code as on a
/// server. The queue's change participants (the CLI's alert outbox) join every change as they do on a server.
/// Cancelling the token cancels the run as the API's cancel does.
/// </summary>
public sealed class LocalRun(
    IRunStore runs,
    IWorkflowVersionStore versions,
    AttemptRunner attempts,
    TimeProvider time,
    ILoggerFactory loggers,
    IConfiguration? configuration = null,
    IEnumerable<IRunChangeParticipant>? participants = null)
{
    /// <exception cref="ParamValidationException">The request's params do not fit the workflow's.</exception>
    public async Task<RunResult> RunAsync(WorkflowPlan plan, RunRequest request, IRunObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var parameters = ParamResolver.Resolve(plan.Definition.Params, request.Params);
        var now = time.GetUtcNow();
        var logicalDate = request.LogicalDate ?? now;
        var context = new RunContext
        {
            RunId = Guid.CreateVersion7(now),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = request.Kind,
            LogicalDate = logicalDate,
            DataIntervalStart = logicalDate,
            DataIntervalEnd = DataIntervals.ForLogicalDate(plan.Definition, logicalDate).End,
            Params = parameters,
            Vars = request.Vars ?? new Dictionary<string, string>(),
        };
        await versions.SaveAsync(new WorkflowVersionRecord(plan.WorkflowId, plan.Version, WorkflowPlan.CanonicalJson(plan.Definition), now), cancellationToken).ConfigureAwait(false);

        var queue = new InMemoryRunQueue(runs, time, observer, participants);
        var (run, tasks) = RunProgress.New(plan, context, now);
        if (!await queue.TryCreateRunAsync(run, tasks, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"workflow {plan.WorkflowId} already has a run at logical date {Templates.TemplateScope.Iso(logicalDate)}");
        }

        var plans = new OnePlan(plan);
        var settings = new WorkerSettings
        {
            Name = $"local-{Environment.ProcessId}",
            Slots = plan.MaxActiveTasks,
            InProcess = true,
            Pools = PoolSettings.Read(configuration),
            Vars = context.Vars,
        };
        var signal = new QueueSignal();
        var worker = new QueueWorker(queue, runs, plans, attempts, signal, time, settings, loggers.CreateLogger<QueueWorker>(), observer);
        using var stopping = new CancellationTokenSource();
        var loop = Task.Run(() => worker.RunAsync(stopping.Token), CancellationToken.None);
        using (cancellationToken.Register(() => _ = CancelAsync(queue, plans, run.Id, worker)))
        {
            await Task.WhenAny(queue.RunEndedAsync(run.Id), loop).ConfigureAwait(false);
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        var details = await runs.GetDetailsAsync(run.Id, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"run {run.Id} is not in the store");
        return new RunResult(details.Run, details.Tasks, details.Attempts);
    }

    private async Task CancelAsync(InMemoryRunQueue queue, IWorkflowPlans plans, Guid runId, QueueWorker worker)
    {
        await queue.CancelRunAsync(runId, plans, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        worker.HeartbeatSoon();
    }

    private sealed class OnePlan(WorkflowPlan plan) : IWorkflowPlans
    {
        public WorkflowPlan? Find(string workflowId, string version)
            => workflowId == plan.WorkflowId && version == plan.Version ? plan : null;
    }
}
