using System.Text.Json;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Tests.Alerts;

/// <summary>Which alerts a state change, an anomaly or a missed SLA produces, by rule and channel.</summary>
public sealed class AlertDetectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 5, 0, TimeSpan.Zero);

    private static WorkflowDefinition Workflow(params AlertRule[] rules) => new()
    {
        Id = "etl",
        Schedule = new ScheduleDefinition { Cron = "0 * * * *" },
        Sla = TimeSpan.FromMinutes(45),
        Alerts = rules,
        Tasks = [new TaskDefinition { Id = "load", Activity = "core.noop" }],
    };

    private static readonly RunRecord Run = new()
    {
        Id = Guid.Parse("0193b2c4-0000-7000-8000-000000000001"),
        WorkflowId = "etl",
        WorkflowVersion = "v1",
        Kind = RunKind.Scheduled,
        State = RunState.Running,
        LogicalDate = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero),
        DataIntervalStart = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero),
        DataIntervalEnd = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        Params = new Dictionary<string, JsonElement>(),
        CreatedAt = Now,
    };

    private static TaskInstanceRecord Task(string id, TaskState state, int attempts, string? error = null)
        => new() { RunId = Run.Id, TaskId = id, State = state, Attempts = attempts, MaxAttempts = 3, Error = error };

    [Fact]
    public void FromChanges_WritesOneAlertPerChannel_FromWorkflowAndDefaultRulesWithoutDuplicates()
    {
        var routing = new AlertRouting([new AlertRule { On = [AlertEvent.TaskFailed], Notify = ["email:ops", "email:team"] }]);
        var workflow = Workflow(new AlertRule { On = [AlertEvent.TaskFailed, AlertEvent.RunFailed], Notify = ["email:team", "slack:alerts"] });
        var failed = Task("load", TaskState.Failed, 3, "timeout");

        var alerts = AlertDetector.FromChanges(routing, workflow, Run, new RunChanges(null, [failed], []), [failed], null, Now);

        Assert.Equal(["email:team", "slack:alerts", "email:ops"], alerts.Select(a => a.Channel));
        Assert.All(alerts, a =>
        {
            Assert.Equal(AlertEvent.TaskFailed, a.Event);
            Assert.Equal(("load", 3, "timeout"), (a.TaskId, a.Attempt, a.Error));
            Assert.Equal(Run.LogicalDate, a.LogicalDate);
            Assert.Equal(AlertState.Pending, a.State);
            Assert.Equal(Now, a.NextAttemptAt);
        });
        Assert.Equal($"task_failed/etl/{Run.Id}/load/3/email:team", alerts[0].Key);
    }

    [Fact]
    public void FromChanges_WritesNothing_WhenNoRuleNamesTheEvent()
    {
        var workflow = Workflow(new AlertRule { On = [AlertEvent.RunFailed], Notify = ["email:team"] });
        var retry = Task("load", TaskState.UpForRetry, 1, "flaky");

        Assert.Empty(AlertDetector.FromChanges(AlertRouting.None, workflow, Run, new RunChanges(null, [retry], []), [retry], null, Now));
    }

    [Fact]
    public void FromChanges_NamesTheFirstFailedTask_WhenTheRunFails()
    {
        var workflow = Workflow(new AlertRule { On = [AlertEvent.RunFailed], Notify = ["email:team"] });
        var tasks = new[] { Task("extract", TaskState.Succeeded, 1), Task("load", TaskState.Failed, 3, "disk full"), Task("report", TaskState.UpstreamFailed, 0) };
        var ended = Run with { State = RunState.Failed, EndedAt = Now, Error = "1 task failed" };

        var alert = Assert.Single(AlertDetector.FromChanges(AlertRouting.None, workflow, ended, new RunChanges(ended, [], []), tasks, null, Now));

        Assert.Equal((AlertEvent.RunFailed, "load", 3, "disk full"), (alert.Event, alert.TaskId, alert.Attempt, alert.Error));
        Assert.Equal("failed: load; 1 upstream_failed", alert.Detail);
    }

    [Theory]
    [InlineData(RunState.Failed, true)]
    [InlineData(RunState.Succeeded, false)]
    [InlineData(null, false)]
    public void FromChanges_WritesRunRecovered_OnlyAfterAFailedRun(RunState? previous, bool recovered)
    {
        var workflow = Workflow(new AlertRule { On = [AlertEvent.RunRecovered, AlertEvent.RunSucceeded], Notify = ["slack:alerts"] });
        var ended = Run with { State = RunState.Succeeded, EndedAt = Now };
        var changes = new RunChanges(ended, [], []);

        Assert.True(AlertDetector.NeedsPreviousOutcome(AlertRouting.None, workflow, changes));
        var alerts = AlertDetector.FromChanges(AlertRouting.None, workflow, ended, changes, [], previous, Now);

        Assert.Equal(recovered ? [AlertEvent.RunSucceeded, AlertEvent.RunRecovered] : [AlertEvent.RunSucceeded], alerts.Select(a => a.Event));
    }

    [Fact]
    public void FromAnomalies_ListsEveryAnomalyOfTheAttemptInOneAlertPerChannel()
    {
        var workflow = Workflow(new AlertRule { On = [AlertEvent.Anomaly], Notify = ["email:team"] });

        var alert = Assert.Single(AlertDetector.FromAnomalies(AlertRouting.None, workflow, Run, "quality", 2, ["not_null(amount): 3", "unique(id): 1"], Now));

        Assert.Equal((AlertEvent.Anomaly, "quality", 2), (alert.Event, alert.TaskId, alert.Attempt));
        Assert.Equal("not_null(amount): 3\nunique(id): 1", alert.Detail);
        Assert.Empty(AlertDetector.FromAnomalies(AlertRouting.None, workflow, Run, "quality", 2, [], Now));
    }

    [Fact]
    public void SlaMissed_IsKeyedByWorkflowAndLogicalDate_SoThatItIsAddedOnce()
    {
        var workflow = Workflow(new AlertRule { On = [AlertEvent.SlaMissed], Notify = ["email:team"] });
        var interval = new DataInterval(Run.LogicalDate, Run.DataIntervalEnd);
        var deadline = interval.End + TimeSpan.FromMinutes(45);

        var never = Assert.Single(AlertDetector.SlaMissed(AlertRouting.None, workflow, interval, deadline, null, Now));
        var later = Assert.Single(AlertDetector.SlaMissed(AlertRouting.None, workflow, interval, deadline, Run, Now.AddMinutes(5)));

        Assert.Equal(never.Key, later.Key);
        Assert.Equal("sla_missed/etl/2026-11-23T09:00:00Z/email:team", never.Key);
        Assert.Equal("run not finished PT45M after its scheduled time 2026-11-23T10:00:00Z", never.Error);
        Assert.EndsWith("run never created", never.Detail);
        Assert.EndsWith("run running", later.Detail);
    }
}
