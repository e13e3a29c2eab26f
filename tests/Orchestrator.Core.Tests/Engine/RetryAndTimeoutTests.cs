using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Tests.Support;

namespace Orchestrator.Core.Tests.Engine;

public sealed class RetryAndTimeoutTests
{
    private static string FailingWorkflow(int failAttempts, int retries, string backoff = "constant", string extra = "") => $$"""
        {
          "id": "retrying",
          "defaults": { "retries": {{retries}}, "retryDelay": "PT30S", "retryBackoff": "{{backoff}}", "maxRetryDelay": "PT2M" {{extra}} },
          "tasks": [
            { "id": "flaky", "activity": "core.fail", "with": { "failAttempts": {{failAttempts}}, "message": "broker unavailable" } },
            { "id": "after", "activity": "core.noop", "dependsOn": ["flaky"] },
            { "id": "cleanup", "activity": "core.noop", "dependsOn": ["flaky"], "triggerRule": "all_done" }
          ]
        }
        """;

    [Fact]
    public async Task Run_SucceedsOnThirdAttempt_WhenTwoFailuresAndThreeRetries()
    {
        await using var harness = new EngineHarness();
        var t0 = harness.Clock.GetUtcNow();
        var run = harness.StartAsync(FailingWorkflow(failAttempts: 2, retries: 3));

        Assert.Equal(t0 + TimeSpan.FromSeconds(30), await harness.AdvanceToNextWakeAsync());
        Assert.Equal(t0 + TimeSpan.FromSeconds(60), await harness.AdvanceToNextWakeAsync());
        var result = await run;

        Assert.Equal(RunState.Succeeded, result.Run.State);
        var flaky = result.Tasks.Single(t => t.TaskId == "flaky");
        Assert.Equal(TaskState.Succeeded, flaky.State);
        Assert.Equal(3, flaky.Attempts);
        var attempts = result.Attempts.Where(a => a.TaskId == "flaky").ToList();
        Assert.Equal([t0, t0.AddSeconds(30), t0.AddSeconds(60)], attempts.Select(a => a.StartedAt));
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Failed, AttemptOutcome.Succeeded], attempts.Select(a => a.Outcome!.Value));
        Assert.Equal("broker unavailable", attempts[0].Error);
        Assert.Equal(3, flaky.Outputs!.Value.GetProperty("succeededOnAttempt").GetInt32());
    }

    [Fact]
    public async Task Run_Fails_WhenRetriesAreExhausted_AndAllDoneDownstreamStillRuns()
    {
        await using var harness = new EngineHarness();
        var run = harness.StartAsync(FailingWorkflow(failAttempts: 2, retries: 1));

        await harness.AdvanceToNextWakeAsync();
        var result = await run;

        Assert.Equal(RunState.Failed, result.Run.State);
        var states = result.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(TaskState.Failed, states["flaky"]);
        Assert.Equal(TaskState.UpstreamFailed, states["after"]);
        Assert.Equal(TaskState.Succeeded, states["cleanup"]);
        Assert.Equal(2, result.Tasks.Single(t => t.TaskId == "flaky").Attempts);
        Assert.Contains("flaky", result.Run.Error);
    }

    [Fact]
    public async Task ExponentialBackoff_DoublesTheDelay_CappedAndWithBoundedJitter()
    {
        await using var harness = new EngineHarness();
        var run = harness.StartAsync(FailingWorkflow(failAttempts: 10, retries: 4, backoff: "exponential"));

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            var before = harness.Clock.GetUtcNow();
            waits.Add(await harness.AdvanceToNextWakeAsync() - before);
        }

        var result = await run;
        Assert.Equal(RunState.Failed, result.Run.State);

        // retryDelay × 2^(n−1) = 30 s, 60 s, 120 s, then the 2 min cap; jitter removes at most 10 %.
        double[] nominal = [30, 60, 120, 120];
        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(waits[i].TotalSeconds, nominal[i] * 0.9, nominal[i]);
        }

        var policy = new RetryPolicy(4, TimeSpan.FromSeconds(30), RetryBackoff.Exponential, TimeSpan.FromMinutes(2));
        var key = $"{result.Run.Id}/flaky/1";
        Assert.Equal(policy.DelayAfter(1, key), waits[0]);
        Assert.Equal(policy.DelayAfter(1, key), policy.DelayAfter(1, key));
    }

    [Fact]
    public void ConstantBackoff_UsesTheSameDelayForEveryRetry()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(30), RetryBackoff.Constant, TimeSpan.FromMinutes(2));
        Assert.All(Enumerable.Range(1, 5), n => Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayAfter(n, $"k{n}")));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(1000, 30)]
    public void Exponential_DoublesFromTheFirstDelay_UpToTheCap(int failedAttempt, int expectedSeconds)
        => Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryPolicy.Exponential(TimeSpan.FromSeconds(1), failedAttempt, TimeSpan.FromSeconds(30)));

    [Fact]
    public async Task AttemptTimeout_FailsTheAttempt_AndIsRetried()
    {
        const string json = """
            {
              "id": "slow",
              "tasks": [
                { "id": "wait", "activity": "core.sleep", "with": { "duration": "PT10M" },
                  "timeout": "PT1M", "retries": 1, "retryDelay": "PT5S" }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var t0 = harness.Clock.GetUtcNow();
        var run = harness.StartAsync(json);

        var first = await harness.NextAsync<AttemptStarted>();
        Assert.Equal(TimeSpan.FromMinutes(1), first.Timeout);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var ended = await harness.NextAsync<AttemptEnded>();
        Assert.Equal(AttemptOutcome.TimedOut, ended.Outcome);

        Assert.Equal(t0 + TimeSpan.FromSeconds(65), await harness.AdvanceToNextWakeAsync());
        await harness.NextAsync<AttemptStarted>(a => a.Attempt == 2);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var result = await run;

        Assert.Equal(RunState.Failed, result.Run.State);
        Assert.All(result.Attempts, a => Assert.Equal(AttemptOutcome.TimedOut, a.Outcome));
        Assert.Equal("timed out after PT1M", result.Attempts[0].Error);
        Assert.Equal(t0 + TimeSpan.FromMinutes(1), result.Attempts[0].EndedAt);
    }

    [Fact]
    public async Task RunTimeout_FailsTheRun_StopsRunningTasks_AndCancelsTheRest()
    {
        const string json = """
            {
              "id": "deadline",
              "runTimeout": "PT30M",
              "tasks": [
                { "id": "long", "activity": "core.sleep", "with": { "duration": "PT2H" } },
                { "id": "next", "activity": "core.noop", "dependsOn": ["long"] }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        var run = harness.StartAsync(json);

        // The deadline timer is armed once the engine reports it waits for it, with the sleep running.
        await harness.NextAsync<RunWaiting>(w => w.WakeAt is not null && w.RunningAttempts == 1);
        harness.Clock.Advance(TimeSpan.FromMinutes(30));
        var result = await run;

        Assert.Equal(RunState.Failed, result.Run.State);
        Assert.Equal("run timed out after PT30M", result.Run.Error);
        var states = result.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(TaskState.Failed, states["long"]);
        Assert.Equal(TaskState.Cancelled, states["next"]);
        Assert.Equal(AttemptOutcome.TimedOut, result.Attempts.Single().Outcome);
    }

    [Fact]
    public async Task RunTimeout_StopsTheRunAtItsDeadline_NotAtTheWorkersNextHeartbeat()
    {
        const string json = """
            {
              "id": "one-second",
              "runTimeout": "PT1S",
              "tasks": [ { "id": "long", "activity": "core.sleep", "with": { "duration": "PT1M" } } ]
            }
            """;
        await using var harness = new EngineHarness();
        var t0 = harness.Clock.GetUtcNow();
        var run = harness.StartAsync(json);

        // The worker sleeps until the deadline, not until its heartbeat (10 s) or its poll interval.
        var waiting = await harness.NextAsync<RunWaiting>(w => w.WakeAt is not null && w.RunningAttempts == 1);
        Assert.Equal(t0 + TimeSpan.FromSeconds(1), waiting.WakeAt);
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        var result = await run;

        Assert.Equal(RunState.Failed, result.Run.State);
        Assert.Equal("run timed out after PT1S", result.Run.Error);
        Assert.Equal(t0 + TimeSpan.FromSeconds(1), result.Run.EndedAt);
        var attempt = Assert.Single(result.Attempts);
        Assert.Equal(AttemptOutcome.TimedOut, attempt.Outcome);
        Assert.Equal(t0 + TimeSpan.FromSeconds(1), attempt.EndedAt);
    }

    [Fact]
    public async Task Cancellation_CancelsRunningAttempts_AndEndsTheRunCancelled()
    {
        const string json = """
            {
              "id": "cancel-me",
              "tasks": [
                { "id": "long", "activity": "core.sleep", "with": { "duration": "PT1H" } },
                { "id": "next", "activity": "core.noop", "dependsOn": ["long"] }
              ]
            }
            """;
        await using var harness = new EngineHarness();
        using var cancellation = new CancellationTokenSource();
        var run = harness.StartAsync(json, cancellationToken: cancellation.Token);

        await harness.NextAsync<AttemptStarted>();
        await cancellation.CancelAsync();
        var result = await run;

        Assert.Equal(RunState.Cancelled, result.Run.State);
        Assert.All(result.Tasks, t => Assert.Equal(TaskState.Cancelled, t.State));
        Assert.Equal(AttemptOutcome.Cancelled, result.Attempts.Single().Outcome);
    }
}
