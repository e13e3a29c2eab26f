using System.Collections.Concurrent;
using Orchestrator.Core.Engine;
using Spectre.Console;

namespace Orchestrator.Cli.Display;

/// <summary>
/// The run drawn live on a terminal with Spectre.Console: the task table and the progress line are redrawn on each
/// event and every <see cref="Tick"/> (elapsed times move), task log lines scroll above them. Events arrive from
/// several threads and are only queued; the console is written by the display loop alone.
/// </summary>
internal sealed class LiveRunDisplay(IAnsiConsole console, RunBoard board, TimeProvider time) : IRunObserver
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _changed = new(0);

    public void OnEvent(RunEvent runEvent)
    {
        board.Apply(runEvent);
        if (ConsoleRunObserver.LogLine(runEvent) is { } line)
        {
            _lines.Enqueue(line);
        }

        _changed.Release();
    }

    /// <summary>Runs <paramref name="run"/> with this display as its observer; the live area is cleared when it ends.</summary>
    public Task<T> RunAsync<T>(Func<IRunObserver, Task<T>> run) => console.Live(RunView.Live(board.Take(), time.GetUtcNow()))
        .AutoClear(true)
        .Overflow(VerticalOverflow.Ellipsis)
        .Cropping(VerticalOverflowCropping.Top)
        .StartAsync(async context =>
        {
            var running = run(this);
            using var stop = new CancellationTokenSource();
            using var timer = new PeriodicTimer(Tick, time);
            var tick = timer.WaitForNextTickAsync(stop.Token).AsTask();
            var change = _changed.WaitAsync(stop.Token);
            while (!running.IsCompleted)
            {
                var woke = await Task.WhenAny(running, tick, change).ConfigureAwait(false);
                if (woke == tick)
                {
                    tick = timer.WaitForNextTickAsync(stop.Token).AsTask();
                }
                else if (woke == change)
                {
                    // One redraw for every event that came meanwhile.
                    while (_changed.Wait(0))
                    {
                    }

                    change = _changed.WaitAsync(stop.Token);
                }

                Draw(context);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            Draw(context);
            return await running.ConfigureAwait(false);
        });

    private void Draw(LiveDisplayContext context)
    {
        while (_lines.TryDequeue(out var line))
        {
            console.Write(new Text(line + Environment.NewLine));
        }

        context.UpdateTarget(RunView.Live(board.Take(), time.GetUtcNow()));
        context.Refresh();
    }
}
