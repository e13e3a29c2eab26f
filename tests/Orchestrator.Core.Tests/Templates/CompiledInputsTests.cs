using System.Text.Json;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Templates;

namespace Orchestrator.Core.Tests.Templates;

public sealed class CompiledInputsTests
{
    private static readonly RunContext Run = new()
    {
        RunId = Guid.Parse("01a209f4-e0f0-7761-89d4-6f3aa04060fe"),
        WorkflowId = "wf",
        WorkflowVersion = "abc123",
        Kind = RunKind.Scheduled,
        LogicalDate = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        DataIntervalStart = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        DataIntervalEnd = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero),
        Params = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""
            { "rows": 10000, "ratio": 0.25, "dry": true, "tags": ["a", "b"], "target": { "schema": "raw" }, "label": "eu" }
            """)!,
        Vars = new Dictionary<string, string> { ["env"] = "prod" },
    };

    private static async Task<JsonElement> Render(string withJson, Dictionary<string, JsonElement>? outputs = null)
    {
        var inputs = CompiledInputs.Compile(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(withJson));
        var context = TemplateScope.Create(Run, attempt: 2, outputs ?? [], Liquid.CreateOptions(TimeProvider.System));
        var rendered = await inputs.RenderAsync(context);
        return JsonSerializer.SerializeToElement(rendered);
    }

    [Theory]
    [InlineData("{{ params.rows }}", "10000")]
    [InlineData("{{ params.ratio }}", "0.25")]
    [InlineData("{{ params.dry }}", "true")]
    [InlineData("{{ params.tags }}", """["a","b"]""")]
    [InlineData("{{ params.target }}", """{"schema":"raw"}""")]
    [InlineData("{{ params.missing }}", "null")]
    [InlineData("  {{ params.rows | plus: 1 }}  ", "10001")]
    [InlineData("{{ params.label }}", "\"eu\"")]
    public async Task SingleExpression_KeepsItsJsonType(string template, string expectedJson)
    {
        var value = (await Render($$"""{ "v": {{JsonSerializer.Serialize(template)}} }""")).GetProperty("v");
        Assert.Equal(expectedJson, value.GetRawText());
    }

    [Fact]
    public async Task MixedText_RendersAsString_AndLiteralsStayAsWritten()
    {
        var rendered = await Render("""
            {
              "path": "queue/{{ run.logical_date | date: '%Y%m%d%H' }}.jsonl",
              "count": "{{ params.rows }} rows",
              "nested": { "list": [1, "{{ vars.env }}", { "attempt": "{{ run.attempt }}" }] },
              "literal": { "keep": [1, 2.5, false, null] }
            }
            """);

        Assert.Equal("queue/2026112310.jsonl", rendered.GetProperty("path").GetString());
        Assert.Equal("10000 rows", rendered.GetProperty("count").GetString());
        Assert.Equal("""[1,"prod",{"attempt":2}]""", rendered.GetProperty("nested").GetProperty("list").GetRawText());
        Assert.Equal("""{"keep":[1,2.5,false,null]}""", rendered.GetProperty("literal").GetRawText());
    }

    [Fact]
    public async Task RunAndWorkflowFields_AreIsoAndNamedAsDocumented()
    {
        var rendered = await Render("""
            { "v": "{{ run.id }}|{{ run.kind }}|{{ run.logical_date }}|{{ run.data_interval_start }}|{{ run.data_interval_end }}|{{ workflow.id }}|{{ workflow.version }}" }
            """);
        Assert.Equal(
            "01a209f4-e0f0-7761-89d4-6f3aa04060fe|scheduled|2026-11-23T10:00:00Z|2026-11-23T10:00:00Z|2026-11-23T11:00:00Z|wf|abc123",
            rendered.GetProperty("v").GetString());
    }

    [Fact]
    public async Task UpstreamOutputs_AreReadable()
    {
        var outputs = new Dictionary<string, JsonElement>
        {
            ["generate"] = JsonSerializer.SerializeToElement(new { path = "queue/1.jsonl", rows = 42 }),
        };
        var rendered = await Render("""{ "input": "{{ tasks.generate.outputs.path }}", "rows": "{{ tasks.generate.outputs.rows }}" }""", outputs);

        Assert.Equal("queue/1.jsonl", rendered.GetProperty("input").GetString());
        Assert.Equal(42, rendered.GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task TriggerFields_AreReadable_InAnEventRun()
    {
        var trigger = new RunTrigger
        {
            Type = "kafka",
            Connection = "events",
            Group = "orchestrator.wf",
            Path = "triggers/wf/01a209f4.jsonl",
            Count = 7,
            Topics = ["orders", "refunds"],
            Offsets = [new TriggerOffsets("orders", 0, 10, 14, 5), new TriggerOffsets("refunds", 2, 3, 4, 2)],
        };
        var inputs = CompiledInputs.Compile(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""
            {
              "count": "{{ trigger.count }}",
              "text": "{{ trigger.type }}:{{ trigger.connection }}/{{ trigger.group }} {{ trigger.topic }} {{ trigger.path }}",
              "topics": "{{ trigger.topics }}",
              "second": "{{ trigger.offsets[1].topic }}-{{ trigger.offsets[1].partition }}:{{ trigger.offsets[1].first }}..{{ trigger.offsets[1].last }} ({{ trigger.offsets[1].count }})"
            }
            """));
        var context = TemplateScope.Create(Run with { Kind = RunKind.Event, Trigger = trigger }, attempt: 1, new Dictionary<string, JsonElement>(), Liquid.CreateOptions(TimeProvider.System));

        var rendered = JsonSerializer.SerializeToElement(await inputs.RenderAsync(context));

        Assert.Equal(7, rendered.GetProperty("count").GetInt32());
        Assert.Equal("kafka:events/orchestrator.wf orders triggers/wf/01a209f4.jsonl", rendered.GetProperty("text").GetString());
        Assert.Equal("""["orders","refunds"]""", rendered.GetProperty("topics").GetRawText());
        Assert.Equal("refunds-2:3..4 (2)", rendered.GetProperty("second").GetString());
    }

    [Fact]
    public async Task TriggerFields_AreEmpty_InARunNotStartedByATrigger()
    {
        var rendered = await Render("""{ "count": "{{ trigger.count }}", "text": "[{{ trigger.path }}]" }""");

        Assert.Equal(JsonValueKind.Null, rendered.GetProperty("count").ValueKind);
        Assert.Equal("[]", rendered.GetProperty("text").GetString());
    }

    [Fact]
    public void Compile_Throws_ForATemplateThatDoesNotParse()
    {
        var with = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{ "v": "{{ params.rows " }""");
        Assert.Throws<FormatException>(() => CompiledInputs.Compile(with));
    }
}
