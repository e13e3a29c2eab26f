using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Tests.Support;
using Orchestrator.Testing;

namespace Orchestrator.Core.Tests.Activities;

public sealed class ShellActivityTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ActivityHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static JsonObject Sh(string script, params string[] extraArgs)
    {
        var args = new JsonArray("-c", script);
        foreach (var arg in extraArgs)
        {
            args.Add(arg);
        }

        return new JsonObject { ["executable"] = "/bin/sh", ["args"] = args };
    }

    [Fact]
    public async Task Execute_LogsStdoutAsInformationAndStderrAsWarningInOrder_WhenProcessWritesBoth()
    {
        var result = await _harness.RunAsync<ShellActivity>(Sh("echo out 1; echo err 1 >&2; echo out 2; echo err 2 >&2; echo out 3"));

        Assert.Equal(["out 1", "out 2", "out 3"], _harness.Logger.Messages(LogLevel.Information));
        Assert.Equal(["err 1", "err 2"], _harness.Logger.Messages(LogLevel.Warning));
        Assert.Equal(0, result.Outputs["exitCode"]!.GetValue<int>());
        Assert.Equal(3, result.Outputs["stdoutLineCount"]!.GetValue<int>());
        Assert.Equal(5, result.Outputs["lastLines"]!.AsArray().Count);
    }

    [Fact]
    public async Task Execute_ReturnsOnlyTheLastLines_WhenOutputIsLongerThanTailLines()
    {
        var input = Sh("i=1; while [ $i -le 50 ]; do echo line $i; i=$((i+1)); done");
        input["tailLines"] = 3;

        var result = await _harness.RunAsync<ShellActivity>(input);

        Assert.Equal(["line 48", "line 49", "line 50"], result.Outputs["lastLines"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(50, result.Outputs["stdoutLineCount"]!.GetValue<int>());
        Assert.Equal(50, _harness.Logger.Lines.Count);
    }

    [Fact]
    public async Task Execute_PassesArgumentsVerbatim_WhenTheyContainShellSyntax()
    {
        await _harness.RunAsync<ShellActivity>(Sh("printf '%s\\n' \"$@\"", "sh", "two words", "a;b", "$HOME", "*"));

        Assert.Equal(["two words", "a;b", "$HOME", "*"], _harness.Logger.Messages(LogLevel.Information));
    }

    [Fact]
    public async Task Execute_FailsWithExitCodeAndLastLines_WhenExitCodeIsNonZero()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => _harness.RunAsync<ShellActivity>(Sh("echo working; echo disk is full >&2; exit 3")));

        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("disk is full", error.Message, StringComparison.Ordinal);
        Assert.Contains("working", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_PassesEnvironmentVariables_WhenEnvIsGiven()
    {
        var input = Sh("echo \"greeting=$GREETING\"");
        input["env"] = new JsonObject { ["GREETING"] = "hello world" };

        var result = await _harness.RunAsync<ShellActivity>(input);

        Assert.Equal(["greeting=hello world"], _harness.Logger.Messages(LogLevel.Information));
        Assert.Equal("greeting=hello world", result.Outputs["lastLines"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Execute_RunsInTheDataDirectory_WhenNoWorkingDirectoryIsGiven()
    {
        await _harness.RunAsync<ShellActivity>(Sh("pwd"));

        Assert.Equal([_harness.DataRoot], _harness.Logger.Messages(LogLevel.Information));
    }

    [Fact]
    public async Task Execute_RunsInTheSubdirectory_WhenWorkingDirectoryIsRelative()
    {
        var subdirectory = Directory.CreateDirectory(Path.Combine(_harness.DataRoot, "jobs", "daily"));
        var input = Sh("pwd");
        input["workingDirectory"] = "jobs/daily";

        await _harness.RunAsync<ShellActivity>(input);

        Assert.Equal([subdirectory.FullName], _harness.Logger.Messages(LogLevel.Information));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("jobs/../../elsewhere")]
    [InlineData("/tmp")]
    public async Task Execute_Refuses_WhenWorkingDirectoryIsOutsideTheDataDirectory(string workingDirectory)
    {
        var input = Sh("echo should not run");
        input["workingDirectory"] = workingDirectory;

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync<ShellActivity>(input));

        Assert.Contains("outside the data directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Logger.Lines);
    }

    [Fact]
    public async Task Execute_FailsClearly_WhenTheExecutableDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => _harness.RunAsync<ShellActivity>("""{ "executable": "no-such-program-for-orchestrator" }"""));

        Assert.Equal("executable 'no-such-program-for-orchestrator' was not found", error.Message);
    }

    [Fact]
    public async Task Execute_FailsClearly_WhenTheWorkingDirectoryDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => _harness.RunAsync<ShellActivity>("""{ "executable": "/bin/true", "workingDirectory": "missing" }"""));

        Assert.Equal("working directory 'missing' does not exist", error.Message);
    }

    [Fact]
    public async Task Execute_KillsTheProcessTreeAndThrowsOperationCanceled_WhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var childStarted = _harness.Logger.WaitForLineAsync("child ");

        var attempt = _harness.RunAsync<ShellActivity>(Sh("sleep 300 & echo child $!; wait"), cancellation.Token);
        var line = await childStarted.WaitAsync(Patience);
        var childPid = int.Parse(line.Message["child ".Length..], CultureInfo.InvariantCulture);
        Assert.True(ProcessExit.IsAlive(childPid), "the child process runs before the cancellation");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt.WaitAsync(Patience));
        // SIGKILL is delivered asynchronously to the grandchild; wait (bounded) for the kernel to finish it.
        Assert.True(SpinWait.SpinUntil(() => !ProcessExit.IsAlive(childPid), TimeSpan.FromSeconds(5)), $"process {childPid} survived the cancellation");
    }

    [Fact]
    public async Task Execute_KillsADescendantThatLeftTheProcessTree_WhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var childStarted = _harness.Logger.WaitForLineAsync("child ");

        // The subshell exits at once: its sleep is an orphan, no longer in the program's process tree.
        var attempt = _harness.RunAsync<ShellActivity>(Sh("(sleep 300 >/dev/null 2>&1 & echo child $!); sleep 300"), cancellation.Token);
        var childPid = int.Parse((await childStarted.WaitAsync(Patience)).Message["child ".Length..], CultureInfo.InvariantCulture);
        Assert.True(ProcessExit.IsAlive(childPid), "the orphan runs before the cancellation");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt.WaitAsync(Patience));
        Assert.True(SpinWait.SpinUntil(() => !ProcessExit.IsAlive(childPid), TimeSpan.FromSeconds(5)), $"process {childPid} survived the cancellation");
    }

    [Fact]
    public async Task Execute_KillsWhatTheProgramLeftRunning_WhenTheProgramExits()
    {
        await _harness.RunAsync<ShellActivity>(Sh("sleep 300 >/dev/null 2>&1 & echo child $!"));

        var line = Assert.Single(_harness.Logger.Lines, l => l.Message.StartsWith("child ", StringComparison.Ordinal));
        var childPid = int.Parse(line.Message["child ".Length..], CultureInfo.InvariantCulture);
        Assert.True(SpinWait.SpinUntil(() => !ProcessExit.IsAlive(childPid), TimeSpan.FromSeconds(5)), $"process {childPid} outlived its attempt");
    }
}
