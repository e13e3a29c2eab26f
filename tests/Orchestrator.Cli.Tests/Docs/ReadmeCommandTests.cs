using System.Diagnostics;
using System.Text.RegularExpressions;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests.Docs;

/// <summary>
/// Runs the README's commands as a user would type them. A fenced block whose info string is
/// <c>bash runnable</c> runs on its own; <c>bash runnable server</c> runs while a workflow server started by
/// <c>orchestrator server</c> listens (the README's <c>127.0.0.1:8080</c> is that server's port). Each block runs
/// in one <c>bash -euo pipefail</c>, in a directory holding a copy of <c>workflows/</c>, so every command in it
/// must exit 0. Two stand-ins keep the run fast without changing what a command does: <c>dotnet run --project
/// src/Orchestrator.Cli --</c> and <c>orchestrator</c> are the CLI built with the tests, and <c>curl</c> fails on
/// an HTTP error status (<c>--fail-with-body</c>), so a 404 cannot pass as output.
/// </summary>
public sealed partial class ReadmeCommandTests
{
    private static readonly string Readme = Path.Combine(CliProcess.RepositoryRoot, "README.md");

    public static TheoryData<int> RunnableBlocks()
    {
        var data = new TheoryData<int>();
        foreach (var block in ReadmeBlock.Parse(File.ReadAllLines(Readme)).Where(b => b.Runnable))
        {
            data.Add(block.Line);
        }

        return data;
    }

    [Fact]
    public void Readme_MarksTheQuickStartCommandsRunnable()
    {
        var blocks = ReadmeBlock.Parse(File.ReadAllLines(Readme)).Where(b => b.Runnable).ToList();

        Assert.Contains(blocks, b => !b.NeedsServer && b.Script.Contains("src/Orchestrator.Cli -- validate", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.NeedsServer && b.Script.Contains("curl", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RunnableBlocks))]
    public async Task ReadmeBlock_ExitsZero(int line)
    {
        var block = ReadmeBlock.Parse(File.ReadAllLines(Readme)).Single(b => b.Line == line);
        var directory = Directory.CreateTempSubdirectory("readme-");
        try
        {
            CopyDirectory(Path.Combine(CliProcess.RepositoryRoot, "workflows"), Path.Combine(directory.FullName, "workflows"));
            var port = 8080;
            Process? server = null;
            if (block.NeedsServer)
            {
                port = LoopbackPorts.Free();
                server = await StartServerAsync(directory.FullName, port);
            }

            try
            {
                var (exitCode, output) = await RunBashAsync(directory.FullName, port, block.Script);
                Assert.True(exitCode == 0, $"README.md:{block.Line}: the block exited {exitCode}:\n{block.Script}\n--- output ---\n{output}");
            }
            finally
            {
                if (server is { HasExited: false })
                {
                    server.Kill(entireProcessTree: true);
                    await ProcessExit.WaitAsync(server, TimeSpan.FromMinutes(1));
                }

                server?.Dispose();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string directory, int port, string script)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "orchestrator.dll");
        var prelude = $$"""
            orchestrator() { command dotnet '{{cli}}' "$@"; }
            dotnet() {
              if [ "$#" -ge 4 ] && [ "$1" = run ] && [ "$2" = --project ] && [ "$3" = src/Orchestrator.Cli ] && [ "$4" = -- ]; then
                shift 4; command dotnet '{{cli}}' "$@"
              else
                command dotnet "$@"
              fi
            }
            curl() { command curl --show-error --fail-with-body "${@//127.0.0.1:8080/127.0.0.1:{{port}}}"; }

            """;
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", prelude + script])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ORCHESTRATOR_DATA_DIR"] = Path.Combine(directory, "data");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The README's <c>orchestrator server</c>, on a free port, waited for until <c>/health/ready</c> answers 200.</summary>
    private static async Task<Process> StartServerAsync(string directory, int port)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"), "server", "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ORCHESTRATOR_DATA_DIR"] = Path.Combine(directory, "data");
        var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        server.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"orchestrator server on port {port} was not ready within 3 minutes (exited: {server.HasExited})");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>One fenced code block of the README: the line of its opening fence, its info string and its text.</summary>
    private sealed partial record ReadmeBlock(int Line, string Info, string Script)
    {
        public bool Runnable => Words.Length >= 2 && Words[0] == "bash" && Words[1] == "runnable";

        public bool NeedsServer => Runnable && Words.Contains("server");

        private string[] Words => Info.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        public static IEnumerable<ReadmeBlock> Parse(string[] lines)
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var open = Fence().Match(lines[i]);
                if (!open.Success)
                {
                    continue;
                }

                var start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && lines[i].Trim() != open.Groups["fence"].Value; i++)
                {
                    body.Add(lines[i]);
                }

                yield return new ReadmeBlock(start + 1, open.Groups["info"].Value.Trim(), string.Join('\n', body) + "\n");
            }
        }

        [GeneratedRegex(@"^\s*(?<fence>```)(?<info>[^`]*)$")]
        private static partial Regex Fence();
    }
}
