using System.Diagnostics;

namespace Orchestrator.Cli.Tests;

/// <summary>Runs the real <c>orchestrator</c> executable (built next to the tests) and captures its output.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public static class CliProcess
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static Task<CliResult> RunAsync(string workingDirectory, params string[] args)
        => RunAsync(workingDirectory, new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the executable and keeps it running; the test reads its error output line by line and may kill it.</summary>
    public static RunningCli Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        => new(Process.Start(StartInfo(workingDirectory, environment, args))!);

    /// <summary>The executable built next to the tests, with its data directory under <paramref name="workingDirectory"/>.</summary>
    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ORCHESTRATOR_DATA_DIR"] = Path.Combine(workingDirectory, "data");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orchestrator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orchestrator.sln not found above the test directory.");
    }
}

/// <summary>A running <c>orchestrator</c> process whose error output is read as it comes.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly System.Threading.Channels.Channel<string> _stderr = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public RunningCli(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _stderr.Writer.TryWrite(line);
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Waits for a line of the error output (task logs) that matches; fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await foreach (var line in _stderr.Reader.ReadAllAsync(cancel.Token))
        {
            if (match(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException("the process ended without the expected line");
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
