using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Testing;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// Starting queued runs is done by one node at a time: a node whose pass finds another node starting runs skips
/// that step instead of waiting for it (every worker pass of the cluster used to queue behind one lock).
/// </summary>
public sealed class PostgresStartRunsLockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task StartRuns_SkipsWithoutWaiting_WhileAnotherNodeStartsRuns_AndStartsThemOnceItIsDone()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("startlock");
        await using var node = await PostgresDatabase.OpenAsync(connection, s => s.AddSingleton(TimeProvider.System));
        var queue = node.GetRequiredService<IRunQueue>();
        var plan = WorkflowPlan.Compile(new WorkflowDefinition
        {
            Id = "started",
            Tasks = [new TaskDefinition { Id = "only", Activity = "core.noop" }],
        }, new ActivityRegistry(Orchestrator.Core.Activities.Core.CoreActivities.Descriptors()));
        var (run, tasks) = RunProgress.New(plan, new RunContext
        {
            RunId = Guid.CreateVersion7(), WorkflowId = plan.WorkflowId, WorkflowVersion = plan.Version, Kind = RunKind.Manual,
            LogicalDate = T0, DataIntervalStart = T0, DataIntervalEnd = T0, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
        }, T0);
        Assert.True(await queue.TryCreateRunAsync(run, tasks, CancellationToken.None));
        var plans = new Plans(plan);

        // Another node is in the middle of starting runs: it holds the start lock in its open transaction.
        await using (var other = new NpgsqlConnection(connection))
        {
            await other.OpenAsync();
            await using var transaction = await other.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(1330791240, 2)", other, transaction))
            {
                await take.ExecuteScalarAsync();
            }

            var skipped = await queue.StartRunsAsync(plans, T0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Empty(skipped);
            await transaction.RollbackAsync();
        }

        var started = await queue.StartRunsAsync(plans, T0, CancellationToken.None);
        Assert.Equal(run.Id, Assert.Single(started).Id);
    }

    private sealed class Plans(WorkflowPlan plan) : IWorkflowPlans
    {
        public WorkflowPlan? Find(string workflowId, string version) => workflowId == plan.WorkflowId && version == plan.Version ? plan : null;
    }
}
