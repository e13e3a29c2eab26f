using System.Text;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core.Tests.Validation;

/// <summary>
/// Validation of very large task graphs: the answers of the cycle and upstream checks on a 20,000-task chain
/// (their speed is measured by the benchmark, not here), and the upstream check against a plain transitive
/// closure on random graphs.
/// </summary>
public sealed class LargeGraphTests
{
    private const int ChainLength = 20_000;
    private static readonly WorkflowValidator Validator = new(new ActivityRegistry(CoreActivities.Descriptors()));

    [Fact]
    public void Validate_AcceptsLongChain_WhoseTasksReadUpstreamOutputs()
    {
        var result = Validator.Validate("chain.json", Chain(ChainLength, (i, _) => i == 0 ? "start" : $"{{{{ tasks.t{i - 1}.outputs.message }}}} {{{{ tasks.t0.outputs.message }}}}"));

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Diagnostics.Take(5)));
        Assert.Equal(ChainLength, result.Definition!.Tasks.Count);
    }

    [Fact]
    public void Validate_ReportsTheOneTaskReadingADownstreamTask_InLongChain()
    {
        var result = Validator.Validate("chain.json", Chain(ChainLength, (i, _) => i == 10_000 ? "{{ tasks.t10001.outputs.message }}" : $"m{i}"));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.TaskNotUpstream, diagnostic.Code);
        Assert.Equal("$.tasks[10000].with.message", diagnostic.Path);
    }

    [Fact]
    public void Validate_ReportsTheCycle_WhenTheFirstTaskOfLongChainDependsOnTheLast()
    {
        var result = Validator.Validate("chain.json", Chain(ChainLength, (i, _) => $"m{i}", closeCycle: true));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.DependencyCycle, diagnostic.Code);
        var flow = diagnostic.Message["dependency cycle: ".Length..].Split(" -> ");
        Assert.Equal(ChainLength + 1, flow.Length);
        Assert.Equal(flow[0], flow[^1]);
        for (var i = 1; i < flow.Length; i++)
        {
            // Each task in the printed flow is the upstream of the next.
            var upstream = int.Parse(flow[i - 1][1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"t{(upstream + 1) % ChainLength}", flow[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void IsUpstream_AgreesWithTransitiveClosure_OnRandomGraphs(int seed)
    {
        var random = new Random(seed);
        const int count = 120;
        // Mostly acyclic (dependencies on earlier tasks), with a few backward edges that make cycles.
        var tasks = Enumerable.Range(0, count).Select(i => (Id: $"t{i}", DependsOn: (IReadOnlyList<string>)Enumerable
            .Range(0, random.Next(0, 4))
            .Select(_ => random.Next(20) == 0 ? random.Next(count) : i == 0 ? -1 : random.Next(i))
            .Where(d => d >= 0)
            .Select(d => $"t{d}")
            .Append(random.Next(10) == 0 ? "missing" : $"t{Math.Max(0, i - 1)}")
            .Where(d => d != "t0" || i != 0)
            .ToList())).ToList();
        var graph = new TaskGraph(tasks);
        var closure = Closure(tasks);

        for (var task = 0; task < count; task++)
        {
            for (var candidate = 0; candidate < count; candidate++)
            {
                var expected = task != candidate && closure[task].Contains(candidate);
                Assert.True(expected == graph.IsUpstream($"t{task}", $"t{candidate}"), $"seed {seed}: is t{candidate} upstream of t{task}? expected {expected}");
            }
        }
    }

    private static List<HashSet<int>> Closure(List<(string Id, IReadOnlyList<string> DependsOn)> tasks)
    {
        var direct = tasks.Select(t => t.DependsOn.Where(d => d != "missing").Select(d => int.Parse(d[1..], System.Globalization.CultureInfo.InvariantCulture)).ToList()).ToList();
        return direct.Select((_, start) =>
        {
            var seen = new HashSet<int>();
            var stack = new Stack<int>(direct[start]);
            while (stack.TryPop(out var node))
            {
                if (seen.Add(node))
                {
                    direct[node].ForEach(stack.Push);
                }
            }

            return seen;
        }).ToList();
    }

    private static string Chain(int length, Func<int, int, string> message, bool closeCycle = false)
    {
        var json = new StringBuilder("{\"id\":\"chain\",\"tasks\":[");
        for (var i = 0; i < length; i++)
        {
            var dependsOn = i > 0 ? $"\"t{i - 1}\"" : closeCycle ? $"\"t{length - 1}\"" : null;
            json.Append(i == 0 ? "" : ",").Append("{\"id\":\"t").Append(i).Append("\",\"activity\":\"core.log\",");
            if (dependsOn is not null)
            {
                json.Append("\"dependsOn\":[").Append(dependsOn).Append("],");
            }

            json.Append("\"with\":{\"message\":\"").Append(message(i, length)).Append("\"}}");
        }

        return json.Append("]}").ToString();
    }
}
