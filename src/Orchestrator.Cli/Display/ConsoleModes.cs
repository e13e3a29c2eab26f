using Spectre.Console;

namespace Orchestrator.Cli.Display;

/// <summary>Whether a run is drawn live (an interactive terminal) or written as plain lines (a pipe, a file, CI).</summary>
internal static class ConsoleModes
{
    /// <summary>
    /// A Spectre console over <paramref name="writer"/> when it is the process's own standard output or error, that
    /// stream is not redirected (to a file or a pipe), and the terminal is interactive and understands ANSI (cursor
    /// movement is what a live display needs); else null.
    /// </summary>
    public static IAnsiConsole? Terminal(TextWriter writer)
    {
        var redirected = writer == Console.Error ? Console.IsErrorRedirected
            : writer == Console.Out ? Console.IsOutputRedirected
            : true;
        if (redirected)
        {
            return null;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        return IsLive(console) ? console : null;
    }

    public static bool IsLive(IAnsiConsole console) => console.Profile.Capabilities is { Interactive: true, Ansi: true };
}
