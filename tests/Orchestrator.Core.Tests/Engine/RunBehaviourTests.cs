using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Tests.Support;

namespace Orchestrator.Core.Tests.Engine;

public sealed class RunBehaviourTests
{
    [Fact]
    public async Task Templates_KeepJsonTypes_ForSingleExpressions_AndRenderTextOtherwise()
    {
        const string json = """
            {
              "id": "typed",
              "schedule": "0 * * * *",
              "params": {
                "rows": { "type": "integer", "default": 10 },
                "region": { "type": "string", "default": "eu" }
              },
              "tasks": [
                { "id": "first", "activity": "core.fail", "with": { "failAttempts": "{{ params.rows | minus: 10 }}" } },
                { "id": "say", "activity": "core.log", "dependsOn": ["first"],
                  "with": { "message": "{{ workflow.id }}/{{ params.region }} rows={{ params.rows }} at {{ run.logical_date | date: '%Y%m%d%H' }} after attempt {{ tasks.first.outputs.succeededOnAttempt }} until {{ run.data_interval_end }}" } }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json, new RunRequest
        {
            LogicalDate = new DateTimeOffset(2026, 3, 4, 5, 0, 0, TimeSpan.Zero),
            Params = EngineHarness.Params("""{ "rows": 10 }"""),
        });

        Assert.Equal(RunState.Succeeded, result.Run.State);
        var message = result.Tasks.Single(t => t.TaskId == "say").Outputs!.Value.GetProperty("message").GetString();
        Assert.Equal("typed/eu rows=10 at 2026030405 after attempt 1 until 2026-03-04T06:00:00Z", message);
    }

    [Fact]
    public async Task Params_AreValidatedAtTriggerTime()
    {
        const string json = """
            {
              "id": "params",
              "params": {
                "rows": { "type": "integer", "minimum": 1 },
                "mode": { "type": "string", "enum": ["full", "delta"], "default": "delta" }
              },
              "tasks": [ { "id": "a", "activity": "core.noop" } ]
            }
            """;
        await using var harness = new EngineHarness();

        var missing = await Assert.ThrowsAsync<ParamValidationException>(() => harness.RunAsync(json));
        Assert.Contains("param 'rows' is required (it has no default)", missing.Errors);

        var wrong = await Assert.ThrowsAsync<ParamValidationException>(() =>
            harness.RunAsync(json, new RunRequest { Params = EngineHarness.Params("""{ "rows": 0, "mode": "half", "extra": true }""") }));
        Assert.Equal(3, wrong.Errors.Count);
        Assert.Contains(wrong.Errors, e => e.Contains("below the minimum 1", StringComparison.Ordinal));
        Assert.Contains(wrong.Errors, e => e.Contains("'half' is not one of", StringComparison.Ordinal));
        Assert.Contains(wrong.Errors, e => e.StartsWith("unknown param 'extra'", StringComparison.Ordinal));

        var ok = await harness.RunAsync(json, new RunRequest { Params = EngineHarness.Params("""{ "rows": 5 }""") });
        Assert.Equal("delta", ok.Run.Params["mode"].GetString());
    }

    [Fact]
    public async Task Branch_RunsTheFollowedTask_AndSkipsTheOthersWithTheirDownstream()
    {
        const string json = """
            {
              "id": "branching",
              "params": { "rows": { "type": "integer", "default": 5000 } },
              "tasks": [
                { "id": "decide", "activity": "core.branch",
                  "with": { "follow": "{% if params.rows > 1000 %}big{% else %}small{% endif %}" } },
                { "id": "big", "activity": "core.noop", "dependsOn": ["decide"] },
                { "id": "small", "activity": "core.noop", "dependsOn": ["decide"] },
                { "id": "after-small", "activity": "core.noop", "dependsOn": ["small"] },
                { "id": "join", "activity": "core.noop", "dependsOn": ["big", "small"], "triggerRule": "none_failed_min_one_success" }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var states = result.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(TaskState.Succeeded, states["big"]);
        Assert.Equal(TaskState.Skipped, states["small"]);
        Assert.Equal(TaskState.Skipped, states["after-small"]);
        Assert.Equal(TaskState.Succeeded, states["join"]);
        Assert.Equal(RunState.Succeeded, result.Run.State);
    }

    [Fact]
    public async Task Branch_FailsTheAttempt_WhenItChoosesATaskThatIsNotDirectlyDownstream()
    {
        const string json = """
            {
              "id": "bad-branch",
              "params": { "target": { "type": "string", "default": "elsewhere" } },
              "tasks": [
                { "id": "decide", "activity": "core.branch", "with": { "follow": "{{ params.target }}" } },
                { "id": "next", "activity": "core.noop", "dependsOn": ["decide"] },
                { "id": "elsewhere", "activity": "core.noop" }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var decide = result.Tasks.Single(t => t.TaskId == "decide");
        Assert.Equal(TaskState.Failed, decide.State);
        Assert.Contains("not a direct downstream task (choose among: next)", decide.Error);
    }

    [Fact]
    public async Task MaxActiveTasks_LimitsParallelAttempts()
    {
        // Attempt timeouts end each wave: their timers are armed before AttemptStarted is published.
        var tasks = string.Join(", ", Enumerable.Range(1, 6).Select(i => $$"""{ "id": "s{{i}}", "activity": "core.sleep", "with": { "duration": "PT1H" }, "timeout": "PT1M" }"""));
        var json = $$"""{ "id": "parallel", "concurrency": { "maxActiveTasks": 2 }, "tasks": [ {{tasks}} ] }""";
        await using var harness = new EngineHarness();
        var run = harness.StartAsync(json);

        for (var wave = 0; wave < 3; wave++)
        {
            await harness.NextAsync<AttemptStarted>();
            await harness.NextAsync<AttemptStarted>();
            harness.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var result = await run;
        Assert.All(result.Attempts, a => Assert.Equal(AttemptOutcome.TimedOut, a.Outcome));
        var running = 0;
        var peak = 0;
        foreach (var e in harness.History)
        {
            running += e switch { AttemptStarted => 1, AttemptEnded => -1, _ => 0 };
            peak = Math.Max(peak, running);
        }

        Assert.Equal(2, peak);
        Assert.Equal(3, result.Attempts.Select(a => a.StartedAt).Distinct().Count());
    }

    [Fact]
    public async Task Outputs_AboveTheLimit_FailTheAttempt()
    {
        var big = new string('x', 70 * 1024);
        var json = $$"""{ "id": "big-output", "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{big}}" } } ] }""";
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var say = result.Tasks.Single();
        Assert.Equal(TaskState.Failed, say.State);
        Assert.Contains("above the limit of 65536", say.Error);
    }

    [Fact]
    public async Task TaskLog_HoldsExactlyTheAttemptLines_AndIsPersisted()
    {
        const string json = """
            {
              "id": "logs",
              "tasks": [
                { "id": "say", "activity": "core.log", "with": { "message": "hello from {{ run.kind }}" } },
                { "id": "boom", "activity": "core.fail", "with": { "message": "kaput" } }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var say = await harness.Store.ReadAsync(result.Run.Id, "say", null, 0, 100, CancellationToken.None);
        Assert.Equal(["hello from manual"], say.Select(l => l.Message));
        var boom = await harness.Store.ReadAsync(result.Run.Id, "boom", 1, 0, 100, CancellationToken.None);
        Assert.Equal(["kaput"], boom.Select(l => l.Message));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, boom.Single().Level);
    }

    [Fact]
    public async Task Run_IsPersisted_WithVersionTasksAndAttempts()
    {
        const string json = """{ "id": "stored", "tasks": [ { "id": "a", "activity": "core.noop" }, { "id": "b", "activity": "core.noop", "dependsOn": ["a"] } ] }""";
        await using var harness = new EngineHarness();
        var result = await harness.RunAsync(json);

        var details = await harness.Store.GetDetailsAsync(result.Run.Id, CancellationToken.None);
        Assert.NotNull(details);
        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal(["a", "b"], details.Tasks.Select(t => t.TaskId));
        Assert.Equal(2, details.Attempts.Count);
        var version = await harness.Store.FindAsync("stored", result.Run.WorkflowVersion, CancellationToken.None);
        Assert.NotNull(version);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(version.DefinitionJson).RootElement.ValueKind);
    }

    [Fact]
    public void Version_IgnoresFormatting_ButChangesWithContent()
    {
        using var harness = new SyncHarness();
        var a = harness.Compile("""{ "id": "v", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var b = harness.Compile("""
            {
              "tasks": [ { "activity": "core.noop", "id": "a" } ],
              "id": "v"
            }
            """);
        var c = harness.Compile("""{ "id": "v", "tasks": [ { "id": "b", "activity": "core.noop" } ] }""");
        Assert.Equal(a.Version, b.Version);
        Assert.NotEqual(a.Version, c.Version);
    }

    private sealed class SyncHarness : IDisposable
    {
        private readonly EngineHarness _inner = new();

        public WorkflowPlan Compile(string json) => _inner.Compile(json);

        public void Dispose() => _inner.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
