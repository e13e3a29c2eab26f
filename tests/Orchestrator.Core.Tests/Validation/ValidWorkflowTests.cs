using System.Text.Json;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core.Tests.Validation;

/// <summary>
/// The other side of the malformed corpus: workflows that use every feature of the format validate without a
/// diagnostic and deserialize into the model.
/// </summary>
public sealed class ValidWorkflowTests
{
    private static readonly WorkflowValidator Validator = new(new ActivityRegistry(CoreActivities.Descriptors()));

    private const string EveryFeature = """
        {
          "$schema": "./workflow.schema.json",
          "id": "transactions-etl",
          "name": "Transactions ETL",
          "description": "Synthetic card transactions: generate, clean, branch, load, report.",
          "tags": ["finance", "seed-002"],
          "schedule": {
            "cron": "0 * * * *",
            "timezone": "Europe/Paris",
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-12-31T23:00:00+01:00",
            "catchup": true
          },
          "params": {
            "rows": { "type": "integer", "default": 10000, "minimum": 1, "maximum": 1000000, "description": "rows to generate" },
            "ratio": { "type": "number", "default": 0.25, "minimum": 0, "maximum": 1 },
            "format": { "type": "string", "enum": ["jsonl", "csv"], "default": "jsonl" },
            "region": { "type": "string", "pattern": "^[a-z]{2}-[a-z]+$", "minLength": 4, "maxLength": 20, "default": "eu-west" },
            "mode": { "type": "string", "enum": ["full", "incremental"], "default": "incremental" },
            "dry_run": { "type": "boolean", "default": false },
            "columns": { "type": "array", "default": ["id", "amount"] },
            "options": { "type": "object", "default": { "compress": true } },
            "label": { "type": "string" }
          },
          "defaults": { "retries": 3, "retryDelay": "PT30S", "retryBackoff": "exponential", "maxRetryDelay": "PT10M", "timeout": "PT15M" },
          "concurrency": { "maxActiveRuns": 1, "maxActiveTasks": 8 },
          "sla": "PT45M",
          "runTimeout": "PT2H",
          "alerts": [
            { "on": ["task_failed", "run_failed", "sla_missed", "anomaly"], "notify": ["email:data-team", "slack:data-alerts"] },
            { "on": ["task_retry", "run_succeeded", "run_recovered"], "notify": ["slack:data-ops"] }
          ],
          "tasks": [
            { "id": "generate", "activity": "core.log", "ui": { "x": 0, "y": 40.5 },
              "with": { "message": "{{ params.rows }} {{ params.format }} rows for {{ run.logical_date | date: '%Y%m%d%H' }} in {{ params.region }}", "level": "information" } },
            { "id": "flaky_clean", "activity": "core.fail", "dependsOn": ["generate"], "retries": 5, "retryDelay": "PT1S", "retryBackoff": "constant", "timeout": "PT1M",
              "with": { "message": "clean failed in run {{ run.id }} attempt {{ run.attempt }}", "failAttempts": 2 } },
            { "id": "decide", "activity": "core.branch", "dependsOn": ["flaky_clean"], "with": { "follow": "{{ params.mode }}" } },
            { "id": "full", "activity": "core.sleep", "dependsOn": ["decide"], "with": { "duration": "PT2S" } },
            { "id": "incremental", "activity": "core.noop", "dependsOn": ["decide"] },
            { "id": "load", "activity": "core.log", "dependsOn": ["full", "incremental"], "triggerRule": "none_failed_min_one_success",
              "with": { "message": "{% if params.dry_run %}dry run{% else %}load after attempt {{ tasks.flaky_clean.outputs.succeededOnAttempt }}{% endif %}" } },
            { "id": "report", "activity": "core.log", "dependsOn": ["load"], "triggerRule": "all_done",
              "with": { "message": "{% assign day = run.data_interval_start | date: '%Y-%m-%d' %}{{ workflow.id }}@{{ workflow.version }} {{ day }}..{{ run.data_interval_end }} ({{ run.kind }}) to {{ vars.bucket }}: {% for c in params.columns %}{{ c }}{% unless forloop.last %},{% endunless %}{% endfor %} {{ tasks.load.outputs.message }}",
                        "level": "debug" } },
            { "id": "on_failure", "activity": "core.log", "dependsOn": ["load"], "triggerRule": "one_failed",
              "with": { "message": "load failed for {{ run.logical_date }} with ratio {{ params.ratio }} {{ params.options.compress }} {{ params.label }}", "level": "error" } }
          ]
        }
        """;

    [Fact]
    public void Validate_AcceptsAndDeserializes_AWorkflowUsingEveryFeature()
    {
        var result = Validator.Validate("transactions-etl.json", EveryFeature);

        Assert.Empty(result.Diagnostics);
        Assert.True(result.IsValid);
        var definition = result.Definition!;
        Assert.Equal("transactions-etl", definition.Id);
        Assert.Equal(["finance", "seed-002"], definition.Tags!);
        Assert.Equal("0 * * * *", definition.Schedule!.Cron);
        Assert.Equal("Europe/Paris", definition.Schedule.Timezone);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), definition.Schedule.Start);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.FromHours(1)), definition.Schedule.End);
        Assert.True(definition.Schedule.Catchup);
        Assert.Equal(9, definition.Params!.Count);
        Assert.Equal(ParamType.Integer, definition.Params["rows"].Type);
        Assert.Equal(1_000_000m, definition.Params["rows"].Maximum);
        Assert.Equal("^[a-z]{2}-[a-z]+$", definition.Params["region"].Pattern);
        Assert.Equal(2, definition.Params["mode"].Enum!.Count);
        Assert.Equal(JsonValueKind.Object, definition.Params["options"].Default!.Value.ValueKind);
        Assert.Null(definition.Params["label"].Default);
        Assert.Equal(3, definition.Defaults!.Retries);
        Assert.Equal(RetryBackoff.Exponential, definition.Defaults.RetryBackoff);
        Assert.Equal(TimeSpan.FromMinutes(10), definition.Defaults.MaxRetryDelay);
        Assert.Equal(8, definition.Concurrency!.MaxActiveTasks);
        Assert.Equal(TimeSpan.FromMinutes(45), definition.Sla);
        Assert.Equal(TimeSpan.FromHours(2), definition.RunTimeout);
        Assert.Equal(2, definition.Alerts!.Count);
        Assert.Contains(AlertEvent.RunRecovered, definition.Alerts[1].On);
        Assert.Equal(8, definition.Tasks.Count);

        var tasks = definition.Tasks.ToDictionary(t => t.Id);
        Assert.Equal(40.5, tasks["generate"].Ui!.Y);
        Assert.Equal(RetryBackoff.Constant, tasks["flaky_clean"].RetryBackoff);
        Assert.Equal(TimeSpan.FromMinutes(1), tasks["flaky_clean"].Timeout);
        Assert.Equal(["full", "incremental"], tasks["load"].DependsOn!);
        Assert.Equal(TriggerRule.NoneFailedMinOneSuccess, tasks["load"].TriggerRule);
        Assert.Equal(TriggerRule.AllDone, tasks["report"].TriggerRule);
        Assert.Equal(TriggerRule.OneFailed, tasks["on_failure"].TriggerRule);
        Assert.Null(tasks["generate"].TriggerRule);
        Assert.Equal("{{ params.mode }}", tasks["decide"].With!["follow"].GetString());
    }

    [Theory]
    [InlineData("\"0 6 * * 1-5\"", "0 6 * * 1-5")]
    [InlineData("\"*/30 0 6 * * *\"", "*/30 0 6 * * *")]
    [InlineData("\"@hourly\"", "@hourly")]
    [InlineData("{ \"cron\": \"15 2 1 * *\" }", "15 2 1 * *")]
    public void Validate_AcceptsACronString_OrAScheduleObject(string schedule, string cron)
    {
        var result = Validator.Validate("daily.json", $$"""
            { "id": "daily", "schedule": {{schedule}}, "tasks": [ { "id": "only", "activity": "core.noop" } ] }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(cron, result.Definition!.Schedule!.Cron);
        Assert.Equal("UTC", result.Definition.Schedule.Timezone);
        Assert.False(result.Definition.Schedule.Catchup);
    }

    [Fact]
    public void Validate_AcceptsTriggers_WithTheirDefaults_AndTemplatesReadingTrigger()
    {
        var result = Validator.Validate("ingest.json", """
            {
              "id": "orders-ingest",
              "schedule": "0 6 * * *",
              "params": { "table": { "type": "string", "default": "orders" } },
              "triggers": [
                { "type": "kafka", "connection": "events", "topic": "orders" },
                { "type": "kafka", "connection": "events", "topics": ["refunds", "returns"], "group": "refunds-ingest",
                  "batchSize": 100000, "maxWait": "PT0.5S", "start": "latest" }
              ],
              "tasks": [
                { "id": "load", "activity": "core.log",
                  "with": { "message": "{{ trigger.count }} records of {{ trigger.topic }} in {{ trigger.path }} into {{ params.table }} ({% for o in trigger.offsets %}{{ o.partition }}:{{ o.first }}-{{ o.last }} {% endfor %})" } }
              ]
            }
            """);

        Assert.Empty(result.Diagnostics);
        var triggers = result.Definition!.Triggers!;
        Assert.Equal(2, triggers.Count);
        Assert.Equal((TriggerType.Kafka, "events", "orchestrator.orders-ingest"), (triggers[0].Type, triggers[0].Connection, triggers[0].GroupFor("orders-ingest")));
        Assert.Equal(["orders"], triggers[0].AllTopics);
        Assert.Equal((1000, TimeSpan.FromSeconds(30), (TriggerStart?)null), (triggers[0].EffectiveBatchSize, triggers[0].EffectiveMaxWait, triggers[0].Start));
        Assert.Equal(["refunds", "returns"], triggers[1].AllTopics);
        Assert.Equal(("refunds-ingest", 100000, TimeSpan.FromMilliseconds(500), TriggerStart.Latest),
            (triggers[1].GroupFor("orders-ingest"), triggers[1].EffectiveBatchSize, triggers[1].EffectiveMaxWait, triggers[1].Start));
        Assert.Equal("0 6 * * *", result.Definition.Schedule!.Cron);
    }

    [Fact]
    public void Serialize_WritesTriggersAsRead_WithoutTheDerivedValues()
    {
        var json = """
            {
              "id": "orders-ingest",
              "triggers": [ { "type": "kafka", "connection": "events", "topic": "orders", "maxWait": "PT5S", "start": "committed" } ],
              "tasks": [ { "id": "load", "activity": "core.noop" } ]
            }
            """;
        var definition = Validator.Validate("ingest.json", json).Definition!;

        var written = JsonSerializer.SerializeToElement(definition, OrchestratorJsonContext.Default.WorkflowDefinition).GetProperty("triggers")[0];

        Assert.Equal(["type", "connection", "topic", "maxWait", "start"], written.EnumerateObject().Select(p => p.Name));
        Assert.Equal("PT5S", written.GetProperty("maxWait").GetString());
        var again = Validator.Validate("again.json", JsonSerializer.Serialize(definition, OrchestratorJsonContext.Default.WorkflowDefinition)).Definition!;
        Assert.Equal(definition.Triggers!, again.Triggers!);
    }

    [Fact]
    public void Validate_AcceptsAManualWorkflow_WithANullSchedule_AndNoOptionalSections()
    {
        var result = Validator.Validate("manual.json", """
            {
              "id": "manual.backfill-2",
              "schedule": null,
              "tasks": [
                { "id": "wait", "activity": "core.sleep", "with": { "duration": "P1DT2H3M4.5S" } },
                { "id": "done", "activity": "core.noop", "dependsOn": ["wait"], "with": null }
              ]
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Null(result.Definition!.Schedule);
        Assert.Null(result.Definition.Params);
        Assert.Equal(["wait", "done"], result.Definition.Tasks.Select(t => t.Id));
        Assert.Equal(TimeSpan.Parse("1.02:03:04.5", System.Globalization.CultureInfo.InvariantCulture), IsoDuration.Parse(result.Definition.Tasks[0].With!["duration"].GetString()!));
    }

    [Fact]
    public void Validate_AcceptsBranchTargets_AsACommaSeparatedString_OrAnArrayOfDirectDownstreamTasks()
    {
        var result = Validator.Validate("branching.json", """
            {
              "id": "branching",
              "tasks": [
                { "id": "by_string", "activity": "core.branch", "with": { "follow": "left, right" } },
                { "id": "by_array", "activity": "core.branch", "with": { "follow": ["left"] } },
                { "id": "left", "activity": "core.noop", "dependsOn": ["by_string", "by_array"] },
                { "id": "right", "activity": "core.noop", "dependsOn": ["by_string"] }
              ]
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(4, result.Definition!.Tasks.Count);
    }

    public static TheoryData<string, TriggerRule> TriggerRules()
    {
        var data = new TheoryData<string, TriggerRule>();
        foreach (var rule in Enum.GetValues<TriggerRule>())
        {
            data.Add(WireNames.Of(rule), rule);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TriggerRules))]
    public void Validate_AcceptsEveryTriggerRule(string wireName, TriggerRule expected)
    {
        var result = Validator.Validate("rules.json", $$"""
            {
              "id": "rules",
              "tasks": [
                { "id": "upstream", "activity": "core.fail", "with": { "failAttempts": 0 } },
                { "id": "downstream", "activity": "core.noop", "dependsOn": ["upstream"], "triggerRule": "{{wireName}}" }
              ]
            }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(expected, result.Definition!.Tasks[1].TriggerRule);
    }
}
