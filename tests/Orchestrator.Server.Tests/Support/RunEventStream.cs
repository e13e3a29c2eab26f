using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace Orchestrator.Server.Tests.Support;

/// <summary>One server-sent event: its name (<c>run</c>, <c>task</c>…) and its JSON data.</summary>
public sealed record ServerEvent(string Name, JsonObject Data)
{
    public string? RunId => (string?)Data["runId"];

    public string? State => (string?)Data["state"];

    public string? TaskId => (string?)Data["taskId"];
}

/// <summary>
/// A client of <c>GET /api/v1/events</c>. Opening returns once the server answered, which it does only after
/// subscribing, so every event published after <see cref="OpenAsync"/> returns is seen.
/// </summary>
public sealed class RunEventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<JsonObject>> _events;
    private readonly CancellationTokenSource _closing = new();

    private RunEventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _events = SseParser.Create(body, static (_, data) => JsonNode.Parse(data)!.AsObject())
            .EnumerateAsync(_closing.Token)
            .GetAsyncEnumerator(_closing.Token);
    }

    public static async Task<RunEventStream> OpenAsync(HttpClient client, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var response = await client.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new RunEventStream(response, await response.Content.ReadAsStreamAsync(timeout.Token));
    }

    /// <summary>Reads events until one matches, or fails the test at the deadline.</summary>
    public async Task<ServerEvent> WaitForAsync(Func<ServerEvent, bool> match, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        using var registration = timeout.Token.Register(_closing.Cancel);
        try
        {
            while (await _events.MoveNextAsync())
            {
                var item = new ServerEvent(_events.Current.EventType, _events.Current.Data);
                if (match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"no event within {deadline.TotalSeconds} s: {what}");
        }

        Assert.Fail($"the event stream ended before {what}");
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            await _events.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // The stream was closed while a read was pending: nothing left to release.
        }

        _response.Dispose();
        _closing.Dispose();
    }
}
