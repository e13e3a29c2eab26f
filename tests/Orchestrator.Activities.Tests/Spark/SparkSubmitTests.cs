using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Spark;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using ActivityContext = Orchestrator.Core.Activities.ActivityContext;

namespace Orchestrator.Activities.Tests.Spark;

/// <summary>spark.submit against a fake spark-submit: a shell script the test writes, which prints its arguments.</summary>
public sealed class SparkSubmitTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly IServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();

    private readonly TempFolder _data = new();

    [Fact]
    public async Task Submit_PassesOptionsConfAndArgsInOrder_WhenEveryOptionIsGiven()
    {
        await using var harness = new WorkflowHarness();
        var script = WriteScript(harness.DataDirectory, """for a in "$@"; do echo "arg:$a"; done""");

        var result = await harness.RunAsync($$$"""
            { "id": "spark-test", "tasks": [{ "id": "submit", "activity": "spark.submit", "with": {
                "executable": "{{{script}}}", "application": "jobs/clean.py", "args": ["--date", "2026-11-23", "two words"],
                "master": "spark://127.0.0.1:7077", "deployMode": "cluster", "name": "clean {{ workflow.id }}",
                "conf": { "spark.executor.memory": "2g", "spark.sql.shuffle.partitions": 8, "spark.dynamicAllocation.enabled": true,
                          "spark.hadoop.fs.s3a.secret.key": "s3cr3t-value" },
                "pyFiles": ["deps.zip", "util.py"], "tailLines": 100 } }] }
            """);

        var outputs = WorkflowHarness.Outputs(result, "submit");
        string[] expected =
        [
            "--master", "spark://127.0.0.1:7077", "--deploy-mode", "cluster", "--name", "clean spark-test", "--py-files", "deps.zip,util.py",
            "--conf", "spark.executor.memory=2g", "--conf", "spark.sql.shuffle.partitions=8", "--conf", "spark.dynamicAllocation.enabled=true",
            "--conf", "spark.hadoop.fs.s3a.secret.key=s3cr3t-value", "jobs/clean.py", "--date", "2026-11-23", "two words",
        ];
        Assert.Equal(expected.Select(a => "arg:" + a), outputs.GetProperty("lastLines").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(0, outputs.GetProperty("exitCode").GetInt32());
        var shown = outputs.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToArray();
        Assert.Contains("spark.hadoop.fs.s3a.secret.key=***", shown);
        Assert.DoesNotContain(shown, a => a!.Contains("s3cr3t-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submit_FailsWithTheExitCodeAndLastLines_WhenSparkSubmitExitsNonZero()
    {
        await using var harness = new WorkflowHarness();
        var script = WriteScript(harness.DataDirectory, """
            echo "Running Spark version 3.5.3"
            echo "Exception in thread main: org.apache.spark.SparkException: Job aborted" >&2
            exit 3
            """);

        var result = await harness.RunAsync($$"""
            { "id": "spark-test", "tasks": [{ "id": "submit", "activity": "spark.submit", "with": { "executable": "{{script}}", "application": "job.jar" } }] }
            """);

        var task = Assert.Single(result.Tasks);
        Assert.Equal(TaskState.Failed, task.State);
        var error = Assert.Single(result.Attempts).Error!;
        Assert.Contains("spark-submit of job.jar failed", error, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", error, StringComparison.Ordinal);
        Assert.Contains("org.apache.spark.SparkException: Job aborted", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_FailsNamingTheExecutable_WhenItIsNotInstalled()
    {
        await using var harness = new WorkflowHarness();

        var result = await harness.RunAsync("""
            { "id": "spark-test", "tasks": [{ "id": "submit", "activity": "spark.submit", "with": { "executable": "no-such-spark-submit-here", "application": "job.jar" } }] }
            """);

        Assert.Contains("'no-such-spark-submit-here' was not found", Assert.Single(result.Attempts).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_StreamsLinesIntoTheTaskLog_WhileTheProcessRuns()
    {
        var script = WriteScript(_data.Path, """
            echo "driver started"
            while [ ! -f go ]; do sleep 0.05; done
            echo "stage 1 done" >&2
            """);
        var logger = new LinesLogger();

        var submit = ExecuteAsync(new JsonObject { ["executable"] = script, ["application"] = "job.py" }, logger, CancellationToken.None);

        await PollAsync(() => logger.Lines.Contains("driver started"), "the first line reaches the log before the process ends");
        Assert.False(submit.IsCompleted);
        File.WriteAllText(Path.Combine(_data.Path, "go"), "");
        var result = await submit.WaitAsync(Deadline);
        Assert.Contains("stage 1 done", logger.Lines);
        Assert.Equal(["driver started", "stage 1 done"], result.Outputs["lastLines"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task Submit_KillsTheProcessTree_WhenCancelled()
    {
        var script = WriteScript(_data.Path, """
            sleep 300 &
            echo $! > child.pid
            wait
            """);
        using var cancellation = new CancellationTokenSource();

        var submit = ExecuteAsync(new JsonObject { ["executable"] = script, ["application"] = "job.py" }, new LinesLogger(), cancellation.Token);
        var pidFile = Path.Combine(_data.Path, "child.pid");
        await PollAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the script started its child");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(IsRunning(child));

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => submit.WaitAsync(Deadline));
        await PollAsync(() => !IsRunning(child), "the child of spark-submit is killed too");
    }

    public void Dispose() => _data.Dispose();

    private Task<ActivityResult> ExecuteAsync(JsonObject input, ILogger logger, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var context = new ActivityContext
        {
            Run = new RunContext
            {
                RunId = Guid.NewGuid(),
                WorkflowId = "spark-test",
                WorkflowVersion = "v1",
                Kind = RunKind.Manual,
                LogicalDate = now,
                DataIntervalStart = now,
                DataIntervalEnd = now,
                Params = new Dictionary<string, JsonElement>(),
            },
            TaskId = "submit",
            Attempt = 1,
            Logger = logger,
            CancellationToken = cancellationToken,
            Time = TimeProvider.System,
            Services = NoServices,
            Data = new DataDirectory(_data.Path),
        };
        IActivity activity = new SparkSubmitActivity();
        return activity.ExecuteAsync(input, context);
    }

    private static string WriteScript(string directory, string body)
    {
        var path = Path.Combine(directory, "fake-spark-submit");
        File.WriteAllText(path, "#!/bin/sh\n" + body.ReplaceLineEndings("\n") + "\n");
        // The fake spark-submit is a POSIX shell script.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    /// <summary>A process that is gone, or a zombie nobody reaped yet, no longer runs.</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Keeps the messages logged, as the task log would.</summary>
    private sealed class LinesLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines.ToArray();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _lines.Enqueue(formatter(state, exception));
    }
}
