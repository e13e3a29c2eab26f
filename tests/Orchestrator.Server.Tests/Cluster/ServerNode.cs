using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// One server node as a process of its own: <c>dotnet Orchestrator.Server.dll</c> from the test output (the test
/// project references the server, so its dll, runtimeconfig and deps are copied next to the tests), by default on a
/// free loopback port it picks itself and reports on its console. Its console output is kept for failure messages.
/// </summary>
public sealed partial class ServerNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<string> _errorLines = [];
    private readonly List<string> _outputLines = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpClient? _client;

    private ServerNode(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The node's process id (its <c>/proc/&lt;id&gt;</c> on Linux).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The node's resident memory now, in bytes.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>The HTTP client of the node's API; available once <see cref="WaitUntilReadyAsync"/> returned.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException($"node {Name} has not reported its address yet");

    /// <summary>Everything the node wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The lines the node wrote to stdout so far, as written.</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_output)
            {
                return [.. _outputLines];
            }
        }
    }

    /// <summary>The lines the node wrote to stderr so far.</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_output)
            {
                return [.. _errorLines];
            }
        }
    }

    /// <summary>
    /// Starts the server with <paramref name="settings"/> as environment variables (<c>Orchestrator__Workers__LeaseDuration</c>…)
    /// and <paramref name="arguments"/> on its command line (by default <c>--urls http://127.0.0.1:0</c>).
    /// </summary>
    public static ServerNode Start(string name, string workingDirectory, IReadOnlyDictionary<string, string> settings, IReadOnlyList<string>? arguments = null)
    {
        var server = Path.Combine(AppContext.BaseDirectory, "Orchestrator.Server.dll");
        if (!File.Exists(server) || !File.Exists(Path.ChangeExtension(server, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{server} and its runtimeconfig.json are not in the test output: build the test project.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[server, .. arguments ?? ["--urls", "http://127.0.0.1:0"]])
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing of the test runner's own server settings leaks into the node.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orchestrator__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        if (!settings.ContainsKey("Logging__Console__FormatterName"))
        {
            // Short lines for failure messages; a test of the log format chooses its own formatter.
            start.Environment["Logging__Console__FormatterName"] = "simple";
            start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
            start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
            start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        }

        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var node = new ServerNode(name, new Process { StartInfo = start, EnableRaisingEvents = true });
        node._process.OutputDataReceived += (_, e) => node.Append(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Append(e.Data, error: true);
        node._process.Exited += (_, _) => node._listening.TrySetException(
            new InvalidOperationException($"node {name} exited before listening"));
        node._process.Start();
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until the node listens and <c>/health/ready</c> answers 200 (its scheduler armed the workflows).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan patience)
    {
        using var deadline = new CancellationTokenSource(patience);
        try
        {
            var address = await _listening.Task.WaitAsync(deadline.Token);
            _client ??= new HttpClient { BaseAddress = address, Timeout = patience };
            while (true)
            {
                if (HasExited)
                {
                    Assert.Fail($"node {Name} exited with {_process.ExitCode} before it was ready:\n{Output}");
                }

                try
                {
                    using var response = await _client.GetAsync("/health/ready", deadline.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Listening, but not answering yet.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"node {Name} not ready within {patience.TotalSeconds} s:\n{Output}");
        }
        catch (InvalidOperationException e) when (HasExited)
        {
            Assert.Fail($"{e.Message} (exit code {_process.ExitCode}):\n{Output}");
        }
    }

    /// <summary>GETs a JSON document from the node's API; fails the test unless it answers 200.</summary>
    public async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} on node {Name}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>POSTs a JSON body; fails the test unless it answers <paramref name="expected"/>.</summary>
    public async Task<JsonNode> PostAsync(string path, string json, HttpStatusCode expected)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path} on node {Name}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Waits until the node exits by itself and returns its exit code; fails the test when it still runs after <paramref name="patience"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"node {Name} still runs after {patience.TotalSeconds} s:\n{Output}");
        }

        // The parameterless wait returns once the output streams are drained too.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (on Linux) of the node and anything it started: no shutdown, no lease released.</summary>
    /// <param name="withDescendants">False: only the node's own process, as <c>kill -9 &lt;pid&gt;</c> does.</param>
    public async Task KillAsync(bool withDescendants = true)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: withDescendants);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // The process never started.
        }

        _process.Dispose();
    }

    private void Append(string? line, bool error = false)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(Name).Append("| ").AppendLine(line);
            (error ? _errorLines : _outputLines).Add(line);
        }

        // A node listening on every interface is reached through loopback.
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            var host = match.Groups[1].Value is "0.0.0.0" or "[::]" or "localhost" ? "127.0.0.1" : match.Groups[1].Value;
            _listening.TrySetResult(new Uri($"http://{host}:{match.Groups[2].Value}"));
        }
    }

    [GeneratedRegex(@"Now listening on: http://(127\.0\.0\.1|0\.0\.0\.0|\[::\]|localhost):(\d+)")]
    private static partial Regex ListeningLine();
}
