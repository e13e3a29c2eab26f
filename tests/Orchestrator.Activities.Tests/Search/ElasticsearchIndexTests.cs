using System.Text;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Search;

public sealed class ElasticsearchIndexTests
{
    private const string Password = "es-password-never-shown";
    private const string ApiKey = "ZXMtYXBpLWtleS1uZXZlci1zaG93bg==";

    [Fact]
    public async Task Index_SendsNdjsonBatchesWithIdsAndBasicAuth_WhenIdFieldIsGiven()
    {
        await using var es = new FakeElasticsearch();
        await using var harness = new WorkflowHarness(Http(es, ("username", "elastic"), ("password", Password)));
        WriteJsonl(harness, "orders.jsonl", 5);

        var result = await harness.RunAsync(Workflow(
            """{ "connection": "search", "index": "orders", "path": "orders.jsonl", "idField": "order_id", "batchSize": 2, "refresh": "wait_for" }"""));

        var outputs = WorkflowHarness.Outputs(result, "index");
        Assert.Equal(5, outputs.GetProperty("count").GetInt64());
        Assert.Equal(5, outputs.GetProperty("indexed").GetInt64());
        Assert.Equal(0, outputs.GetProperty("errors").GetInt64());
        Assert.Equal(3, outputs.GetProperty("batches").GetInt32());

        var requests = es.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        var expectedAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:" + Password));
        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/orders/_bulk?refresh=wait_for", r.PathAndQuery);
            Assert.Equal("application/x-ndjson", r.ContentType);
            Assert.Equal(expectedAuth, r.Authorization);
            Assert.EndsWith("\n", r.Body, StringComparison.Ordinal);
        });
        var lines = requests.SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal(10, lines.Length);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("{\"index\":{\"_id\":\"o-" + i + "\"}}", lines[2 * i]);
            Assert.Equal($"o-{i}", (string?)JsonNode.Parse(lines[(2 * i) + 1])!["order_id"]);
        }
    }

    [Fact]
    public async Task Index_SendsTheApiKeyAndLetsTheClusterChooseIds_WhenTheConnectionHasAnApiKey()
    {
        await using var es = new FakeElasticsearch();
        await using var harness = new WorkflowHarness(Http(es, ("apiKey", ApiKey)));
        File.WriteAllText(harness.PathOf("orders.csv"), "order_id,amount\no-1,10\no-2,20.5\n");

        var result = await harness.RunAsync(Workflow("""{ "connection": "search", "index": "orders", "path": "orders.csv" }"""));

        Assert.Equal(2, WorkflowHarness.Outputs(result, "index").GetProperty("indexed").GetInt64());
        var request = Assert.Single(es.Requests);
        Assert.Equal("ApiKey " + ApiKey, request.Authorization);
        Assert.Equal("/orders/_bulk?refresh=false", request.PathAndQuery);
        Assert.Equal(
            """
            {"index":{}}
            {"order_id":"o-1","amount":10}
            {"index":{}}
            {"order_id":"o-2","amount":20.5}

            """.ReplaceLineEndings("\n"),
            request.Body);
    }

    [Fact]
    public async Task Index_FailsWithTheRejectedIdsAndReasons_WhenItemErrorsExceedMaxErrors()
    {
        await using var es = new FakeElasticsearch();
        await using var harness = new WorkflowHarness(Http(es, ("username", "elastic"), ("password", Password)));
        WriteJsonl(harness, "orders.jsonl", 4, rejected: [1, 3]);

        var result = await harness.RunAsync(Workflow(
            """{ "connection": "search", "index": "orders", "path": "orders.jsonl", "idField": "order_id", "maxErrors": 1 }"""));

        var error = FailedWith(result);
        Assert.Contains("2 of 4 documents were rejected by index 'orders' (maxErrors 1)", error, StringComparison.Ordinal);
        Assert.Contains("id 'o-1' (record 1): 400 mapper_parsing_exception: failed to parse field [amount]", error, StringComparison.Ordinal);
        Assert.Contains("id 'o-3' (record 3)", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_SucceedsReportingTheRejectedDocument_WhenItemErrorsAreWithinMaxErrors()
    {
        await using var es = new FakeElasticsearch();
        await using var harness = new WorkflowHarness(Http(es));
        WriteJsonl(harness, "orders.jsonl", 3, rejected: [2]);

        var result = await harness.RunAsync(Workflow(
            """{ "connection": "search", "index": "orders", "path": "orders.jsonl", "maxErrors": 1 }"""));

        var outputs = WorkflowHarness.Outputs(result, "index");
        Assert.Equal(2, outputs.GetProperty("indexed").GetInt64());
        Assert.Equal(1, outputs.GetProperty("errors").GetInt64());
        var first = Assert.Single(outputs.GetProperty("firstErrors").EnumerateArray());
        Assert.Equal("gen-3", first.GetProperty("id").GetString());
        Assert.Equal(2, first.GetProperty("position").GetInt64());
        Assert.Equal(400, first.GetProperty("status").GetInt32());
        Assert.Equal("mapper_parsing_exception", first.GetProperty("type").GetString());
        Assert.Null(Assert.Single(es.Requests).Authorization);
    }

    [Fact]
    public async Task Index_FailsWithStatusAndReasonWithoutThePassword_WhenTheClusterRejectsTheRequest()
    {
        await using var es = new FakeElasticsearch { Status = 401 };
        await using var harness = new WorkflowHarness(Http(es, ("username", "elastic"), ("password", Password)));
        WriteJsonl(harness, "orders.jsonl", 2);

        var result = await harness.RunAsync(Workflow("""{ "connection": "search", "index": "orders", "path": "orders.jsonl" }"""));

        var error = FailedWith(result);
        Assert.Contains("answered 401", error, StringComparison.Ordinal);
        Assert.Contains("unable to authenticate user", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_FailsNamingTheRecord_WhenARecordLacksTheIdField()
    {
        await using var es = new FakeElasticsearch();
        await using var harness = new WorkflowHarness(Http(es));
        File.WriteAllText(harness.PathOf("orders.jsonl"), "{\"order_id\":\"a\"}\n{\"other\":1}\n");

        var result = await harness.RunAsync(Workflow(
            """{ "connection": "search", "index": "orders", "path": "orders.jsonl", "idField": "order_id" }"""));

        Assert.Contains("record 1 has no 'order_id' (idField)", FailedWith(result), StringComparison.Ordinal);
        Assert.Empty(es.Requests);
    }

    private static Dictionary<string, string?> Http(FakeElasticsearch es, params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:search:type"] = "http",
            ["Orchestrator:Connections:search:baseUrl"] = es.BaseUrl,
        };
        foreach (var (key, value) in settings)
        {
            configuration[$"Orchestrator:Connections:search:{key}"] = value;
        }

        return configuration;
    }

    private static void WriteJsonl(WorkflowHarness harness, string path, int count, int[]? rejected = null)
    {
        var lines = Enumerable.Range(0, count).Select(i => new JsonObject
        {
            ["order_id"] = $"o-{i}",
            ["amount"] = i * 10,
            ["reject"] = rejected?.Contains(i) == true,
        }.ToJsonString());
        File.WriteAllLines(harness.PathOf(path), lines);
    }

    private static string Workflow(string with) => $$"""{ "id": "es-test", "tasks": [{ "id": "index", "activity": "elasticsearch.index", "with": {{with}} }] }""";

    private static string FailedWith(RunResult result)
    {
        var task = Assert.Single(result.Tasks, t => t.TaskId == "index");
        Assert.Equal(TaskState.Failed, task.State);
        return Assert.Single(result.Attempts, a => a.TaskId == "index").Error ?? "";
    }
}
