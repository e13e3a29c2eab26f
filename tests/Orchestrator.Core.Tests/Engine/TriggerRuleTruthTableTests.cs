using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Tests.Support;

namespace Orchestrator.Core.Tests.Engine;

/// <summary>
/// Every trigger rule against every combination of two upstream final states, and against one final upstream
/// next to one still running. The expectations are written from Airflow's documentation of each rule
/// (https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#trigger-rules):
/// R = runs, K = skipped, U = upstream_failed, W = waits.
/// Upstream letters: S succeeded, F failed, U upstream_failed, K skipped.
/// </summary>
public sealed class TriggerRuleTruthTableTests
{
    private static readonly string[] Pairs = ["SS", "SF", "SU", "SK", "FF", "FU", "FK", "UU", "UK", "KK"];

    // Columns follow Pairs.
    private static readonly Dictionary<TriggerRule, string> BothDone = new()
    {
        // all upstream succeeded; a failure upstream makes it upstream_failed, a skip skips it
        [TriggerRule.AllSuccess] = "R U U K U U U U U K",
        // all upstream failed or upstream_failed
        [TriggerRule.AllFailed] = "K K K K R R K R K K",
        // all upstream done, whatever their state
        [TriggerRule.AllDone] = "R R R R R R R R R R",
        // all non-skipped upstream done and at least one succeeded
        [TriggerRule.AllDoneMinOneSuccess] = "R R R R U U U U U K",
        // all upstream skipped
        [TriggerRule.AllSkipped] = "K K K K K K K K K R",
        // at least one upstream succeeded
        [TriggerRule.OneSuccess] = "R R R R U U U U U K",
        // at least one upstream failed or upstream_failed
        [TriggerRule.OneFailed] = "K R R K R R R R R K",
        // at least one upstream succeeded or failed
        [TriggerRule.OneDone] = "R R R R R R R K K K",
        // no upstream failed or upstream_failed: all succeeded or skipped
        [TriggerRule.NoneFailed] = "R U U R U U U U U R",
        // no upstream failed or upstream_failed, and at least one succeeded
        [TriggerRule.NoneFailedMinOneSuccess] = "R U U R U U U U U K",
        // no upstream skipped: all succeeded, failed or upstream_failed
        [TriggerRule.NoneSkipped] = "R R R K R R K R K K",
        // runs at once, whatever upstream does
        [TriggerRule.Always] = "R R R R R R R R R R",
    };

    // One upstream final (S, F, U, K), the other still running: the one_* rules fire without waiting,
    // and rules that can no longer be met are decided early.
    private static readonly Dictionary<TriggerRule, string> OneRunning = new()
    {
        [TriggerRule.AllSuccess] = "W U U K",
        [TriggerRule.AllFailed] = "K W W K",
        [TriggerRule.AllDone] = "W W W W",
        [TriggerRule.AllDoneMinOneSuccess] = "W W W W",
        [TriggerRule.AllSkipped] = "K K K W",
        [TriggerRule.OneSuccess] = "R W W W",
        [TriggerRule.OneFailed] = "W R R W",
        [TriggerRule.OneDone] = "R R W W",
        [TriggerRule.NoneFailed] = "W U U W",
        [TriggerRule.NoneFailedMinOneSuccess] = "W U U W",
        [TriggerRule.NoneSkipped] = "W W W K",
        [TriggerRule.Always] = "R R R R",
    };

    public static TheoryData<TriggerRule, string, string> BothDoneCases()
    {
        var data = new TheoryData<TriggerRule, string, string>();
        foreach (var (rule, row) in BothDone)
        {
            var expected = row.Split(' ');
            for (var i = 0; i < Pairs.Length; i++)
            {
                data.Add(rule, Pairs[i], expected[i]);
            }
        }

        return data;
    }

    public static TheoryData<TriggerRule, string, string> OneRunningCases()
    {
        var data = new TheoryData<TriggerRule, string, string>();
        foreach (var (rule, row) in OneRunning)
        {
            var expected = row.Split(' ');
            for (var i = 0; i < 4; i++)
            {
                data.Add(rule, "SFUK"[i].ToString(), expected[i]);
            }
        }

        return data;
    }

    [Fact]
    public void Tables_CoverEveryTriggerRule()
    {
        Assert.Equal(Enum.GetValues<TriggerRule>().Order(), BothDone.Keys.Order());
        Assert.Equal(Enum.GetValues<TriggerRule>().Order(), OneRunning.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(BothDoneCases))]
    public void Decide_MatchesAirflow_WhenBothUpstreamsAreDone(TriggerRule rule, string upstream, string expected)
    {
        var counts = UpstreamCounts.Of(upstream.Select(State));
        Assert.Equal(expected, Letter(TriggerRuleEvaluator.Decide(rule, counts)));

        // Order of upstreams never matters.
        var reversed = UpstreamCounts.Of(upstream.Reverse().Select(State));
        Assert.Equal(expected, Letter(TriggerRuleEvaluator.Decide(rule, reversed)));
    }

    [Theory]
    [MemberData(nameof(OneRunningCases))]
    public void Decide_MatchesAirflow_WhenOneUpstreamIsStillRunning(TriggerRule rule, string done, string expected)
    {
        var counts = UpstreamCounts.Of([State(done[0]), TaskState.Running]);
        Assert.Equal(expected, Letter(TriggerRuleEvaluator.Decide(rule, counts)));
    }

    /// <summary>
    /// The cases whose outcome does not depend on which upstream ends first: rules decide early (as in Airflow),
    /// so when one upstream alone already decides differently, the end state depends on timing.
    /// </summary>
    public static TheoryData<TriggerRule, string, string> OrderIndependentCases()
    {
        var data = new TheoryData<TriggerRule, string, string>();
        foreach (var (rule, row) in BothDone)
        {
            var expected = row.Split(' ');
            var early = OneRunning[rule].Split(' ');
            for (var i = 0; i < Pairs.Length; i++)
            {
                var decidedAlone = Pairs[i].Select(s => early["SFUK".IndexOf(s)]);
                if (decidedAlone.All(d => d == "W" || d == expected[i]))
                {
                    data.Add(rule, Pairs[i], expected[i]);
                }
            }
        }

        return data;
    }

    [Fact]
    public void OrderIndependentCases_AreMostOfTheTable()
    {
        Assert.True(OrderIndependentCases().Count() >= 100);
    }

    [Theory]
    [MemberData(nameof(OrderIndependentCases))]
    public async Task Engine_GivesDownstreamTheTableState_WhenUpstreamsEndSo(TriggerRule rule, string upstream, string expected)
    {
        // Each upstream state is produced for real: S by core.noop, F by core.fail, U by an all_success task
        // after a failure, K by a branch that follows nothing.
        var tasks = new List<string>
        {
            """{ "id": "boom", "activity": "core.fail" }""",
            """{ "id": "choose", "activity": "core.branch", "with": { "follow": [] } }""",
        };
        string Producer(char state, string id) => state switch
        {
            'S' => $$"""{ "id": "{{id}}", "activity": "core.noop" }""",
            'F' => $$"""{ "id": "{{id}}", "activity": "core.fail" }""",
            'U' => $$"""{ "id": "{{id}}", "activity": "core.noop", "dependsOn": ["boom"] }""",
            _ => $$"""{ "id": "{{id}}", "activity": "core.noop", "dependsOn": ["choose"] }""",
        };
        tasks.Add(Producer(upstream[0], "a"));
        tasks.Add(Producer(upstream[1], "b"));
        tasks.Add($$"""{ "id": "target", "activity": "core.noop", "dependsOn": ["a", "b"], "triggerRule": "{{WireNames.Of(rule)}}" }""");
        var json = $$"""{ "id": "truth", "tasks": [ {{string.Join(", ", tasks)}} ] }""";

        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var states = result.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(State(upstream[0]), states["a"]);
        Assert.Equal(State(upstream[1]), states["b"]);
        var expectedState = expected switch
        {
            "R" => TaskState.Succeeded,
            "K" => TaskState.Skipped,
            _ => TaskState.UpstreamFailed,
        };
        Assert.Equal(expectedState, states["target"]);
    }

    private static TaskState State(char letter) => letter switch
    {
        'S' => TaskState.Succeeded,
        'F' => TaskState.Failed,
        'U' => TaskState.UpstreamFailed,
        'K' => TaskState.Skipped,
        _ => throw new ArgumentOutOfRangeException(nameof(letter)),
    };

    private static string Letter(TriggerDecision decision) => decision switch
    {
        TriggerDecision.Run => "R",
        TriggerDecision.Skip => "K",
        TriggerDecision.UpstreamFailed => "U",
        _ => "W",
    };
}
