using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.shell", Description = "Runs an executable with arguments (no shell parsing), streaming its stdout and stderr into the task log. A non-zero exit code fails the attempt. The program runs in a process group of its own, which is killed when the attempt ends, is cancelled, or the server dies.")]
public sealed partial class ShellActivity : Activity<ShellActivity.Input, ShellActivity.Output>
{
    private const int DefaultTailLines = 20;
    private const int MaxTailLineLength = 2000;
    private const int ENOENT = 2;

    // After a kill, a process that escaped the tree may still hold the pipes open; do not wait for it forever.
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(5);

    public sealed record Input
    {
        [Description("The program to run: a name looked up in PATH, an absolute path, or a path relative to the working directory. Not parsed by a shell; use /bin/sh with -c for shell syntax.")]
        [MinLength(1)]
        public required string Executable { get; init; }

        [Description("Arguments, passed to the program verbatim, one per item.")]
        public IReadOnlyList<string>? Args { get; init; }

        [Description("Environment variables added to (or replacing those of) the server's environment.")]
        public IReadOnlyDictionary<string, string>? Env { get; init; }

        [Description("Working directory relative to the data directory (must stay inside it). Default: the data directory.")]
        public string? WorkingDirectory { get; init; }

        [Description("How many of the last output lines (stdout and stderr) to return in lastLines. Default 20.")]
        [Range(0, 1000)]
        public int? TailLines { get; init; }
    }

    public sealed record Output
    {
        [Description("The process exit code.")]
        public required int ExitCode { get; init; }

        [Description("The last tailLines lines of stdout and stderr, in arrival order.")]
        public required IReadOnlyList<string> LastLines { get; init; }

        [Description("How many lines the process wrote to stdout.")]
        public required int StdoutLineCount { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var tailLines = input.TailLines ?? DefaultTailLines;
        if (tailLines is < 0 or > 1000)
        {
            throw new ActivityFailedException($"tailLines must be between 0 and 1000, not {tailLines}");
        }

        if (string.IsNullOrWhiteSpace(input.Executable))
        {
            throw new ActivityFailedException("executable is empty");
        }

        var workingDirectory = ResolveWorkingDirectory(input.WorkingDirectory, context.Data);
        var startInfo = new ProcessStartInfo
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in input.Env ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var cancellationToken = context.CancellationToken;
        cancellationToken.ThrowIfCancellationRequested();

        var executable = ResolveExecutable(input.Executable, workingDirectory, startInfo.Environment.TryGetValue("PATH", out var path) ? path : null)
            ?? throw new ActivityFailedException($"executable '{input.Executable}' was not found");
        using var group = Start(startInfo, executable, input);
        var process = group.Process;
        var output = new OutputLines(context.Logger, tailLines);
        var readers = Task.WhenAll(
            PumpAsync(process.StandardOutput, output.AddStdout),
            PumpAsync(process.StandardError, output.AddStderr));

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);

            // What the program left running in its group ends with it (and stops holding its output pipes open).
            group.End();
            await readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await KillAsync(group, readers, context.Time).ConfigureAwait(false);
            throw;
        }

        var exitCode = process.ExitCode;
        var lastLines = output.LastLines();
        if (exitCode != 0)
        {
            var message = new StringBuilder($"'{input.Executable}' exited with code {exitCode}");
            if (lastLines.Count > 0)
            {
                message.Append("; last output:").AppendJoin("", lastLines.Select(l => "\n" + l));
            }

            throw new ActivityFailedException(message.ToString());
        }

        return new Output { ExitCode = exitCode, LastLines = lastLines, StdoutLineCount = output.StdoutLineCount };
    }

    private static ProcessGroup Start(ProcessStartInfo startInfo, string executable, Input input)
    {
        try
        {
            return ProcessGroup.Start(startInfo, executable, input.Args ?? []);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ActivityFailedException(e.NativeErrorCode == ENOENT
                ? $"executable '{input.Executable}' was not found"
                : $"cannot start '{input.Executable}': {e.Message}", e);
        }
    }

    private static string ResolveWorkingDirectory(string? path, DataDirectory data)
    {
        if (string.IsNullOrEmpty(path))
        {
            Directory.CreateDirectory(data.Root);
            return data.Root;
        }

        var full = data.Resolve(path);
        return Directory.Exists(full)
            ? full
            : throw new ActivityFailedException($"working directory '{path}' does not exist");
    }

    /// <summary>
    /// A name without a directory part is looked up in PATH (the task's, else the server's); a relative path with one
    /// means "next to the working directory", as it would in a shell. Null when there is no such file.
    /// </summary>
    private static string? ResolveExecutable(string executable, string workingDirectory, string? path)
    {
        var hasDirectory = executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || executable.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal);
        if (!hasDirectory)
        {
            return ProcessGroup.Find(executable, path);
        }

        var full = Path.GetFullPath(Path.Combine(workingDirectory, executable));
        return File.Exists(full) ? full : null;
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }
    }

    private static async Task KillAsync(ProcessGroup group, Task readers, TimeProvider time)
    {
        group.End();
        try
        {
            // Bounded: a killed process whose exit the runtime never hears of must not hold the worker's slot forever.
            try
            {
                await group.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(DrainAfterKill, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                group.KillTree();
                await group.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(DrainAfterKill, time).ConfigureAwait(false);
            }

            await readers.WaitAsync(DrainAfterKill, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A descendant that left the group keeps a pipe open; its output is abandoned.
        }
    }

    /// <summary>Logs each line as it arrives and keeps the last ones, in arrival order across both streams.</summary>
    private sealed class OutputLines(ILogger logger, int capacity)
    {
        private readonly Lock _lock = new();
        private readonly Queue<string> _tail = new(capacity);

        public int StdoutLineCount { get; private set; }

        public void AddStdout(string line)
        {
            lock (_lock)
            {
                StdoutLine(logger, line);
                StdoutLineCount++;
                Keep(line);
            }
        }

        public void AddStderr(string line)
        {
            lock (_lock)
            {
                StderrLine(logger, line);
                Keep(line);
            }
        }

        public IReadOnlyList<string> LastLines()
        {
            lock (_lock)
            {
                return _tail.ToArray();
            }
        }

        private void Keep(string line)
        {
            if (capacity == 0)
            {
                return;
            }

            if (_tail.Count == capacity)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(Shorten(line));
        }

        private static string Shorten(string line)
        {
            if (line.Length <= MaxTailLineLength)
            {
                return line;
            }

            var length = char.IsHighSurrogate(line[MaxTailLineLength - 1]) ? MaxTailLineLength - 1 : MaxTailLineLength;
            return string.Concat(line.AsSpan(0, length), "…");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    private static partial void StdoutLine(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void StderrLine(ILogger logger, string line);
}
