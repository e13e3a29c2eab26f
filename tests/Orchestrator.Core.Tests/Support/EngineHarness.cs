using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core.Tests.Support;

/// <summary>
/// The real engine with in-memory stores and a fake clock. Tests start a run, read its events in order and
/// advance the clock when the engine reports it is waiting — no sleeps, no races.
/// </summary>
public sealed class EngineHarness : IRunObserver, IAsyncDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private readonly ServiceProvider _services;
    private readonly Channel<RunEvent> _events = Channel.CreateUnbounded<RunEvent>();
    private readonly List<RunEvent> _history = [];

    public EngineHarness(DateTimeOffset? start = null)
    {
        Clock = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        DataDirectory = Directory.CreateTempSubdirectory("orchestrator-test-").FullName;
        _services = new ServiceCollection()
            .AddSingleton<TimeProvider>(Clock)
            .AddOrchestratorCore(DataDirectory)
            .BuildServiceProvider();
    }

    public FakeTimeProvider Clock { get; }

    public string DataDirectory { get; }

    public InMemoryStore Store => _services.GetRequiredService<InMemoryStore>();

    public ActivityRegistry Activities => _services.GetRequiredService<ActivityRegistry>();

    public IReadOnlyList<RunEvent> History
    {
        get
        {
            lock (_history)
            {
                return [.. _history];
            }
        }
    }

    public WorkflowPlan Compile(string json)
    {
        var result = _services.GetRequiredService<WorkflowValidator>().Validate("test.json", json);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Diagnostics));
        return WorkflowPlan.Compile(result.Definition!, Activities);
    }

    public Task<RunResult> StartAsync(string json, RunRequest? request = null, CancellationToken cancellationToken = default)
        => StartAsync(Compile(json), request, cancellationToken);

    public Task<RunResult> StartAsync(WorkflowPlan plan, RunRequest? request = null, CancellationToken cancellationToken = default)
    {
        var runner = _services.GetRequiredService<LocalRun>();
        return Task.Run(() => runner.RunAsync(plan, request ?? new RunRequest(), this, cancellationToken), CancellationToken.None);
    }

    /// <summary>Runs to the end; fails the test if the run needs the clock to move.</summary>
    public async Task<RunResult> RunAsync(string json, RunRequest? request = null)
        => await StartAsync(json, request).WaitAsync(SafetyTimeout);

    public void OnEvent(RunEvent runEvent)
    {
        lock (_history)
        {
            _history.Add(runEvent);
        }

        _events.Writer.TryWrite(runEvent);
    }

    /// <summary>Reads events until one of type <typeparamref name="T"/> matches.</summary>
    public async Task<T> NextAsync<T>(Func<T, bool>? match = null) where T : RunEvent
    {
        using var timeout = new CancellationTokenSource(SafetyTimeout);
        while (true)
        {
            var next = await _events.Reader.ReadAsync(timeout.Token);
            if (next is T typed && (match is null || match(typed)))
            {
                return typed;
            }
        }
    }

    /// <summary>Waits until the engine is idle with no attempt running, then moves the clock to its wake-up time.</summary>
    public async Task<DateTimeOffset> AdvanceToNextWakeAsync()
    {
        var waiting = await NextAsync<RunWaiting>(w => w.RunningAttempts == 0 && w.WakeAt is not null);
        var wakeAt = waiting.WakeAt!.Value;
        Clock.AdvanceTo(wakeAt);
        return wakeAt;
    }

    public static IReadOnlyDictionary<string, JsonElement> Params(string json)
        => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process killed by a test may still hold a file for a moment; the temp dir is cleaned by the OS.
        }
    }
}

internal static class FakeTimeProviderExtensions
{
    public static void AdvanceTo(this FakeTimeProvider clock, DateTimeOffset target)
    {
        var delta = target - clock.GetUtcNow();
        if (delta > TimeSpan.Zero)
        {
            clock.Advance(delta);
        }
    }
}
