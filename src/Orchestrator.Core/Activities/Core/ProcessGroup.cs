using System.Diagnostics;

namespace Orchestrator.Core.Activities.Core;

/// <summary>
/// Starts a program for an attempt as the leader of a process group (a session) of its own, so that everything it
/// starts ends with the attempt: when the attempt ends or is cancelled, and when the server dies (even by
/// <c>kill -9</c>). The program is started through util-linux <c>setsid</c> and a few lines of <c>/bin/sh</c> that
/// leave a watcher in the group reading a pipe from the server; the end of that pipe — the server closing it, or
/// the kernel closing it because the server died — makes the watcher kill the whole group. A descendant that leaves
/// the group (a daemon that calls <c>setsid</c> itself) escapes. Without <c>setsid</c> (not Linux), the program
/// is started directly and only its process tree is killed on cancellation.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    // fd 3 keeps the server's pipe for the watcher; the program gets /dev/null as stdin (it sees end of input at once).
    private const string Launcher = """
        exec 3<&0 </dev/null
        { cat >/dev/null; kill -KILL 0; } <&3 >/dev/null 2>&1 &
        exec "$@" 3<&-
        """;

    private static readonly string? Setsid = OperatingSystem.IsLinux() && File.Exists("/bin/sh") ? Find("setsid") : null;

    private readonly Process _process;
    private readonly bool _grouped;

    private ProcessGroup(Process process, bool grouped)
    {
        _process = process;
        _grouped = grouped;
    }

    public Process Process => _process;

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/>; <paramref name="startInfo"/> gives the rest (directory, environment, redirections).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program (or the launcher) cannot be started.</exception>
    public static ProcessGroup Start(ProcessStartInfo startInfo, string program, IEnumerable<string> arguments)
    {
        startInfo.RedirectStandardInput = true;
        startInfo.ArgumentList.Clear();
        if (Setsid is { } setsid)
        {
            startInfo.FileName = setsid;
            foreach (var arg in (string[])["--wait", "/bin/sh", "-c", Launcher, "orchestrator-launcher", program])
            {
                startInfo.ArgumentList.Add(arg);
            }
        }
        else
        {
            startInfo.FileName = program;
        }

        foreach (var arg in arguments)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        var group = new ProcessGroup(process, Setsid is not null);
        if (!group._grouped)
        {
            // Nothing is ever written to stdin: closing it lets programs that read it see end of input.
            process.StandardInput.Close();
        }

        return group;
    }

    /// <summary>
    /// Kills what is left of the group (the program, if it still runs, and any descendant still in the group);
    /// without a group, the program's process tree. Idempotent.
    /// </summary>
    public void End()
    {
        if (_grouped)
        {
            // The watcher sees the end of its pipe and kills the group, itself included.
            _process.StandardInput.Close();
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }

    /// <summary>The last resort when the group did not end: the program's process tree, as far as it can be found.</summary>
    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited in the meantime.
        }
    }

    public void Dispose()
    {
        if (_grouped)
        {
            _process.StandardInput.Close();
        }

        _process.Dispose();
    }

    /// <summary>A program found in the server's PATH, as a full path; null when none is.</summary>
    public static string? Find(string name, string? path = null)
        => (path ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
