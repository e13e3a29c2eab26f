using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Tests.S3;

/// <summary>
/// A real S3-compatible server for the tests: s3rver (npm, installed by tests/run.sh into tests/tools) run with node on
/// 127.0.0.1 and a port the OS picks, over a temporary directory, with the bucket <see cref="Bucket"/>.
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "lake";

    // s3rver's one account: signatures are checked against it.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("orchestrator-s3rver-").FullName;
    private Process? _process;

    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var script = Path.Combine(ToolsDirectory(), "node_modules", "s3rver", "bin", "s3rver.js");
        Assert.True(File.Exists(script), $"{script} is missing: run 'npm ci --prefix tests/tools' (tests/run.sh does)");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "-d", _directory, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", Bucket })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("s3rver exited: " + string.Join("\n", output)));
                return;
            }

            output.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups["port"].Value);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var port = await listening.Task.WaitAsync(StartTimeout);
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>Configuration settings of an s3 connection <paramref name="name"/> to the bucket.</summary>
    public Dictionary<string, string?> ConnectionSettings(string name, string? prefix = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Orchestrator:Connections:{name}:type"] = "s3",
            [$"Orchestrator:Connections:{name}:endpoint"] = Endpoint,
            [$"Orchestrator:Connections:{name}:bucket"] = Bucket,
            [$"Orchestrator:Connections:{name}:accessKey"] = AccessKey,
            [$"Orchestrator:Connections:{name}:secretKey"] = SecretKey,
            [$"Orchestrator:Connections:{name}:region"] = "us-east-1",
            [$"Orchestrator:Connections:{name}:pathStyle"] = "true",
        };
        if (prefix is not null)
        {
            settings[$"Orchestrator:Connections:{name}:prefix"] = prefix;
        }

        return settings;
    }

    /// <summary>Where s3rver keeps an object's bytes, to check what was stored without going through the SDK.</summary>
    public string StoredFile(string key) => Path.Combine(_directory, Bucket, key.Replace('/', Path.DirectorySeparatorChar) + "._S3rver_object");

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await Orchestrator.Testing.ProcessExit.WaitAsync(_process, TimeSpan.FromSeconds(30));
        }

        _process?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string ToolsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var tools = Path.Combine(dir.FullName, "tests", "tools");
            if (File.Exists(Path.Combine(tools, "package.json")))
            {
                return tools;
            }
        }

        throw new InvalidOperationException("tests/tools is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"listening on .+:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
