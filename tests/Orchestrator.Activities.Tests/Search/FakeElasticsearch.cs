using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Orchestrator.Activities.Tests.Search;

/// <summary>
/// An HTTP listener on 127.0.0.1 that answers the bulk API as Elasticsearch does and records every request. A document
/// with <c>"reject": true</c> gets a mapper_parsing_exception item error; <see cref="Status"/> other than 200 answers the
/// whole request with that status.
/// </summary>
public sealed class FakeElasticsearch : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _generated;

    public FakeElasticsearch()
    {
        // HttpListener takes no port 0: ask the OS for a free one first.
        BaseUrl = $"http://127.0.0.1:{Orchestrator.Testing.LoopbackPorts.Free()}";

        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Status { get; set; } = 200;

    public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string? Authorization, string Body);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Requests.Enqueue(new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery,
                context.Request.ContentType, context.Request.Headers["Authorization"], body));
            var (status, answer) = Status == 200
                ? (200, Answer(body))
                : (Status, """{"error":{"type":"security_exception","reason":"unable to authenticate user"},"status":401}""");
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private string Answer(string body)
    {
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var action = JsonNode.Parse(lines[i])!["index"]!;
            var document = JsonNode.Parse(lines[i + 1])!;
            var id = (string?)action["_id"] ?? $"gen-{Interlocked.Increment(ref _generated)}";
            var result = new JsonObject { ["_index"] = "orders", ["_id"] = id };
            if (document["reject"] is { } reject && (bool)reject)
            {
                errors = true;
                result["status"] = 400;
                result["error"] = new JsonObject
                {
                    ["type"] = "mapper_parsing_exception",
                    ["reason"] = "failed to parse field [amount] of type [long]",
                };
            }
            else
            {
                result["status"] = 201;
                result["result"] = "created";
            }

            items.Add(new JsonObject { ["index"] = result });
        }

        return new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items }.ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
