using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Tests.Support;

namespace Orchestrator.Core.Tests.Engine;

/// <summary>Correctness at scale; the speed goal for the same shape is measured by tests/bench.sh.</summary>
public sealed class LargeDagTests
{
    [Fact]
    public async Task TenThousandTaskDag_RunsEveryTaskOnce_InDependencyOrder()
    {
        const int layers = 100;
        const int width = 100;
        var tasks = new List<TaskDefinition>();
        for (var layer = 0; layer < layers; layer++)
        {
            for (var i = 0; i < width; i++)
            {
                tasks.Add(new TaskDefinition
                {
                    Id = $"t{layer}-{i}",
                    Activity = "core.noop",
                    DependsOn = layer == 0 ? null : [$"t{layer - 1}-{i}", $"t{layer - 1}-{(i + 1) % width}"],
                });
            }
        }

        await using var harness = new EngineHarness();
        var plan = WorkflowPlan.Compile(new WorkflowDefinition { Id = "large", Tasks = tasks }, harness.Activities);
        var result = await harness.StartAsync(plan);

        Assert.Equal(RunState.Succeeded, result.Run.State);
        Assert.Equal(layers * width, result.Tasks.Count);
        Assert.All(result.Tasks, t => Assert.Equal((TaskState.Succeeded, 1), (t.State, t.Attempts)));
        Assert.Equal(layers * width, result.Attempts.Count);

        // Every task started after both of its upstreams had ended.
        var order = harness.History.OfType<TaskStateChanged>()
            .Select((e, index) => (e, index))
            .Where(x => x.e.State is TaskState.Running or TaskState.Succeeded)
            .ToDictionary(x => (x.e.TaskId, x.e.State), x => x.index);
        foreach (var task in tasks.Where(t => t.DependsOn is not null))
        {
            foreach (var upstream in task.DependsOn!)
            {
                Assert.True(order[(upstream, TaskState.Succeeded)] < order[(task.Id, TaskState.Running)], $"{task.Id} ran before {upstream} ended");
            }
        }
    }
}
