using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Testing;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// Two nodes (each its own connection pool and queue) claiming from one PostgreSQL at the same time, with several
/// claims in flight per node: limits are counted across nodes, and a task instance is claimed once per attempt.
/// </summary>
public sealed class PostgresConcurrentClaimTests
{
    private const int MaxActiveTasks = 5;
    private const int WarehouseSlots = 3;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ConcurrentClaims_OnTwoNodes_NeverExceedMaxActiveTasksOrPoolSlots_NorClaimAnAttemptTwice()
    {
        var connection = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("claims");
        await using var nodeA = await PostgresDatabase.OpenAsync(connection, s => s.AddSingleton(TimeProvider.System));
        await using var nodeB = await PostgresDatabase.OpenAsync(connection, s => s.AddSingleton(TimeProvider.System));
        var queues = new[] { nodeA.GetRequiredService<IRunQueue>(), nodeB.GetRequiredService<IRunQueue>() };

        // Every other task in the "warehouse" pool; every fifth task fails its first attempt and is retried a second later.
        var plan = WorkflowPlan.Compile(new WorkflowDefinition
        {
            Id = "contended",
            Concurrency = new ConcurrencyLimits { MaxActiveTasks = MaxActiveTasks, MaxActiveRuns = 10 },
            Tasks = Enumerable.Range(0, 30).Select(i => new TaskDefinition
            {
                Id = $"t{i:00}", Activity = "core.noop", Pool = i % 2 == 0 ? "warehouse" : null, Retries = 1, RetryDelay = TimeSpan.FromSeconds(1),
            }).ToList(),
        }, new ActivityRegistry(Orchestrator.Core.Activities.Core.CoreActivities.Descriptors()));
        var plans = new Plans(plan);
        var runIds = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var at = T0.AddHours(i);
            var (run, tasks) = RunProgress.New(plan, new RunContext
            {
                RunId = Guid.CreateVersion7(), WorkflowId = plan.WorkflowId, WorkflowVersion = plan.Version, Kind = RunKind.Manual,
                LogicalDate = at, DataIntervalStart = at, DataIntervalEnd = at, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            }, T0);
            Assert.True(await queues[0].TryCreateRunAsync(run, tasks, CancellationToken.None));
            runIds.Add(run.Id);
        }

        Assert.Equal(4, (await queues[0].StartRunsAsync(plans, T0, CancellationToken.None)).Count);
        var pools = new Dictionary<string, int> { ["warehouse"] = WarehouseSlots };
        var held = new List<ClaimedTask>();
        var seen = new HashSet<(Guid, string, int)>();
        var claims = 0;
        for (var round = 0; round < 200 && (seen.Count < 4 * 36 || held.Count > 0); round++)
        {
            var now = T0.AddSeconds(round);

            // Eight claims at once, four on each node, each asking for more than any limit allows.
            var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(() => queues[n % 2].ClaimAsync(
                new ClaimRequest($"node-{n % 2}-{n}", 10, now, now.AddMinutes(5)) { Pools = pools }, plans, CancellationToken.None))));
            foreach (var claim in batches.SelectMany(b => b))
            {
                claims++;
                Assert.True(seen.Add((claim.RunId, claim.TaskId, claim.Attempt)), $"{claim.TaskId} attempt {claim.Attempt} was claimed twice");
                Assert.DoesNotContain(held, h => h.RunId == claim.RunId && h.TaskId == claim.TaskId);
                held.Add(claim);
            }

            foreach (var run in held.GroupBy(h => h.RunId))
            {
                Assert.True(run.Count() <= MaxActiveTasks, $"{run.Count()} attempts of one run running at once");
            }

            Assert.True(held.Count(h => int.Parse(h.TaskId[1..]) % 2 == 0) <= WarehouseSlots, "the warehouse pool is over its slots");

            // Half of what runs ends, from both nodes at once; a first attempt of every fifth task fails.
            var ending = held.Where((_, i) => i % 2 == 0 || round % 3 == 2).ToList();
            held.RemoveAll(ending.Contains);
            await Task.WhenAll(ending.Select((claim, i) => Task.Run(() => queues[i % 2].CompleteAsync(
                [new AttemptCompletion(claim, new AttemptResult(
                    int.Parse(claim.TaskId[1..]) % 5 == 0 && claim.Attempt == 1 ? AttemptOutcome.Failed : AttemptOutcome.Succeeded, now, now))],
                plans, now, CancellationToken.None))));
        }

        var store = nodeA.GetRequiredService<IRunStore>();
        foreach (var runId in runIds)
        {
            Assert.Equal(RunState.Succeeded, (await store.FindAsync(runId, CancellationToken.None))!.State);
        }

        // 30 tasks per run, and a second attempt for the six that fail first.
        Assert.Equal(4 * 36, claims);
    }

    private sealed class Plans(WorkflowPlan plan) : IWorkflowPlans
    {
        public WorkflowPlan? Find(string workflowId, string version) => workflowId == plan.WorkflowId && version == plan.Version ? plan : null;
    }
}
