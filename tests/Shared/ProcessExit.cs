using System.Diagnostics;

namespace Orchestrator.Testing;

/// <summary>Waits for a process the test killed, never for ever, and tells whether one is alive.</summary>
public static class ProcessExit
{
    /// <summary>
    /// Returns when <paramref name="process"/> has exited: the runtime says so, or, should it miss the exit (the
    /// child was reaped by someone else), the process is gone from <c>/proc</c>. Throws a <see cref="TimeoutException"/>
    /// when it still runs after <paramref name="timeout"/>.
    /// </summary>
    public static async Task WaitAsync(Process process, TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException) when (!Directory.Exists($"/proc/{process.Id}"))
        {
            // Gone all the same.
        }
    }

    /// <summary>Alive means present in <c>/proc</c> and not a zombie: an orphan's zombie waits for init to reap it.</summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
    }
}
