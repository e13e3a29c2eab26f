using System.Diagnostics;

namespace Orchestrator.Activities.Tests.Support;

/// <summary>
/// This test assembly started again as another process (see <see cref="Program"/>), talking by lines on its standard
/// input and output: what two <c>orchestrator</c> processes on one data directory do to the local log.
/// </summary>
public sealed class SecondProcess : IAsyncDisposable
{
    private readonly Process process;

    private SecondProcess(Process process) => this.process = process;

    public static SecondProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new SecondProcess(Process.Start(start)!);
    }

    /// <summary>The next line the process writes; fails when it exits first or takes longer than 30 s.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        return line ?? throw new InvalidOperationException($"the second process ended: {await process.StandardError.ReadToEndAsync(timeout.Token)}");
    }

    public Task WriteLineAsync(string line) => process.StandardInput.WriteLineAsync(line);

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>Ends the process as a crash would: no disposal, no clean-up, only what the OS releases.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }

        process.Dispose();
    }
}
