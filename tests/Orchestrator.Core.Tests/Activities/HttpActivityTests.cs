using System.Text.Json.Nodes;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Tests.Support;

namespace Orchestrator.Core.Tests.Activities;

public sealed class HttpActivityTests(LocalHttpServer server) : IClassFixture<LocalHttpServer>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ActivityHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private Task<ActivityResult> RunAsync(JsonObject input, CancellationToken cancellationToken = default)
        => _harness.RunAsync<HttpActivity>(input, cancellationToken);

    [Fact]
    public async Task Get_ReturnsStatusHeadersBodyAndJson_WhenServerAnswersJson()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/json") });

        var outputs = result.Outputs;
        Assert.Equal(200, outputs["status"]!.GetValue<int>());
        Assert.StartsWith("application/json", outputs["headers"]!["content-type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("""{"name":"orchestrator","tasks":3}""", outputs["body"]!.GetValue<string>());
        Assert.False(outputs["bodyTruncated"]!.GetValue<bool>());
        Assert.Equal("orchestrator", outputs["json"]!["name"]!.GetValue<string>());
        Assert.Equal(3, outputs["json"]!["tasks"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_LeavesJsonAbsent_WhenResponseIsNotJson()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/text") });

        Assert.Equal("plain words", result.Outputs["body"]!.GetValue<string>());
        Assert.False(result.Outputs.ContainsKey("json"));
    }

    [Fact]
    public async Task Post_SendsObjectBodyAsJson_WhenBodyIsAnObject()
    {
        var result = await RunAsync(new JsonObject
        {
            ["url"] = server.Url("/echo"),
            ["method"] = "post",
            ["body"] = new JsonObject { ["table"] = "orders", ["ids"] = new JsonArray(1, 2) },
        });

        var echo = result.Outputs["json"]!;
        Assert.Equal("POST", echo["method"]!.GetValue<string>());
        Assert.StartsWith("application/json", echo["contentType"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"table":"orders","ids":[1,2]}"""),
            JsonNode.Parse(echo["body"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Post_SendsStringAsPlainText_WhenBodyIsAString()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/echo"), ["method"] = "POST", ["body"] = "hello" });

        var echo = result.Outputs["json"]!;
        Assert.StartsWith("text/plain", echo["contentType"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("hello", echo["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Put_UsesTheGivenContentType_WhenHeadersNameOne()
    {
        var result = await RunAsync(new JsonObject
        {
            ["url"] = server.Url("/echo"),
            ["method"] = "PUT",
            ["headers"] = new JsonObject { ["Content-Type"] = "text/csv" },
            ["body"] = "id,name\n1,a\n",
        });

        var echo = result.Outputs["json"]!;
        Assert.Equal("PUT", echo["method"]!.GetValue<string>());
        Assert.Equal("text/csv", echo["contentType"]!.GetValue<string>());
        Assert.Equal("id,name\n1,a\n", echo["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_SendsCustomHeaders_WhenHeadersAreGiven()
    {
        var result = await RunAsync(new JsonObject
        {
            ["url"] = server.Url("/echo"),
            ["method"] = "POST",
            ["headers"] = new JsonObject { ["X-Trace-Id"] = "abc-123", ["Authorization"] = "Bearer token" },
        });

        var headers = result.Outputs["json"]!["headers"]!;
        Assert.Equal("abc-123", headers["x-trace-id"]!.GetValue<string>());
        Assert.Equal("Bearer token", headers["authorization"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_FailsWithStatusAndBody_WhenServerAnswers500()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => RunAsync(new JsonObject { ["url"] = server.Url("/status/500") }));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Contains("status 500 body", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Succeeds_WhenAcceptStatusListsTheStatus()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/status/404"), ["acceptStatus"] = new JsonArray(404) });

        Assert.Equal(404, result.Outputs["status"]!.GetValue<int>());
        Assert.Equal("status 404 body", result.Outputs["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(503, "5xx", true)]
    [InlineData(503, "4xx", false)]
    [InlineData(409, "409", true)]
    public async Task Get_AcceptsStatusClasses_WhenAcceptStatusHasStrings(int status, string accept, bool accepted)
    {
        var input = new JsonObject { ["url"] = server.Url($"/status/{status}"), ["acceptStatus"] = new JsonArray(accept) };

        var error = await Record.ExceptionAsync(() => RunAsync(input));

        Assert.Equal(accepted, error is null);
    }

    [Fact]
    public async Task Get_Fails_WhenAcceptStatusExcludesSuccess()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => RunAsync(new JsonObject { ["url"] = server.Url("/json"), ["acceptStatus"] = new JsonArray(404) }));

        Assert.Contains("200", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Fails_WhenResponseIsLargerThanMaxResponseBytes()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => RunAsync(new JsonObject { ["url"] = server.Url("/bytes/5000"), ["maxResponseBytes"] = 1000 }));

        Assert.Contains("maxResponseBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Succeeds_WhenResponseIsExactlyMaxResponseBytes()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/bytes/1000"), ["maxResponseBytes"] = 1000 });

        Assert.Equal(1000, result.Outputs["body"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task Get_TruncatesBodyTo64KiB_WhenResponseIsLarger()
    {
        var result = await RunAsync(new JsonObject { ["url"] = server.Url("/bytes/100000") });

        Assert.Equal(64 * 1024, result.Outputs["body"]!.GetValue<string>().Length);
        Assert.True(result.Outputs["bodyTruncated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Get_FailsClearly_WhenUrlIsNotHttp()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => RunAsync(new JsonObject { ["url"] = "ftp://example.org/file" }));

        Assert.Equal("url 'ftp://example.org/file' is not an absolute http or https URL", error.Message);
    }

    [Fact]
    public async Task Get_ThrowsOperationCanceled_WhenCancelledWhileWaitingForTheServer()
    {
        using var cancellation = new CancellationTokenSource();
        var id = Guid.NewGuid().ToString("N");

        var attempt = RunAsync(new JsonObject { ["url"] = server.Url($"/hang/{id}") }, cancellation.Token);
        await server.HangingRequestArrived(id).WaitAsync(Patience);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt.WaitAsync(Patience));
    }

    [Fact]
    public void Truncate_KeepsWholeCharacters_WhenTheLimitFallsInsideOne()
    {
        var (text, truncated) = HttpActivity.Truncate("aé€", 4);

        Assert.Equal("aé", text);
        Assert.True(truncated);
    }
}
