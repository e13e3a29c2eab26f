using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Orchestrator.Testing;

/// <summary>One request the <see cref="WebhookReceiver"/> got.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.TryGetValue("Content-Type", out var value) ? value : null;

    /// <summary>The body parsed as JSON (throws when it is not).</summary>
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("the body is JSON null");
}

/// <summary>
/// A local HTTP server on 127.0.0.1 and a free port that records every request and answers 200 "ok" (as Slack's
/// webhooks do), or a chosen status for the next N requests or until told otherwise.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private (int Status, string Body, int? Remaining) _answer = (200, "ok", null);

    public WebhookReceiver()
    {
        // HttpListener takes no port 0: ask the OS for a free one first.
        BaseUrl = $"http://127.0.0.1:{Orchestrator.Testing.LoopbackPorts.Free()}";

        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary><c>http://127.0.0.1:PORT</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>A webhook URL on this receiver, Slack-shaped by default.</summary>
    public string Url(string path = "/services/T000/B000/secret-webhook-token") => BaseUrl + path;

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>Answers <paramref name="status"/> with <paramref name="body"/> to the next <paramref name="times"/> requests (null: until changed), then 200 "ok".</summary>
    public void Respond(int status, string body = "error", int? times = null)
    {
        lock (_gate)
        {
            _answer = (status, body, times);
        }
    }

    /// <summary>Back to 200 "ok".</summary>
    public void RespondOk() => Respond(200, "ok");

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (signalled by each request); throws a <see cref="TimeoutException"/> otherwise.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_requests.Count >= count)
            {
                return _requests.ToArray();
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Requests.Count} of {count} requests arrived at {BaseUrl} within {timeout}");
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

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

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away; the request is recorded all the same.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, context.Request.ContentEncoding ?? Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys
            .Where(k => k is not null)
            .ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Url.Query, headers, body);

        (int Status, string Body) answer;
        lock (_gate)
        {
            answer = (_answer.Status, _answer.Body);
            if (_answer.Remaining is { } remaining)
            {
                _answer = remaining <= 1 ? (200, "ok", null) : (_answer.Status, _answer.Body, remaining - 1);
            }
        }

        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();

        // Recorded once answered, so a test that waited for it sees the sender's side complete too.
        lock (_gate)
        {
            _requests.Add(request);
            foreach (var waiter in _waiters.Where(w => _requests.Count >= w.Count).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }
}
