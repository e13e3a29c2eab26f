using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities;
using Orchestrator.Core;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>The database under the durable benchmark.</summary>
internal enum BenchDatabase
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Durable no-op task instances per second through the database queue, and the latency from an upstream's
/// succeeded transition to its downstream's running transition (p50, p95). With several workers, each is a node of
/// its own name competing for the same queue (claims, leases and completions all go through the database).
/// </summary>
internal static class DurableBenchmark
{
    public static int Slots { get; set; } = 16;

    public static async Task RunAsync(string name, WorkflowDefinition definition, int runs, BenchDatabase database = BenchDatabase.Sqlite, int workers = 1)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-durable-").FullName;
        var observer = new Recorder();
        var connection = database == BenchDatabase.Postgres ? await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("bench") : null;

        // One service provider per node, as in separate processes: its own connection pool, wake-up signal and
        // (PostgreSQL) LISTEN connection; nodes learn of each other's work only through the database.
        var providers = new List<ServiceProvider>();
        for (var n = 0; n < (connection is null ? 1 : workers); n++)
        {
            var collection = new ServiceCollection().AddSingleton<IRunObserver>(observer).AddLogging();
            if (connection is not null)
            {
                collection.AddPostgresStore(connection).AddSingleton<PostgresQueueListener>();
            }
            else
            {
                collection.AddSqliteStore(Path.Combine(directory, "bench.db"));
            }

            providers.Add(collection.AddOrchestratorCore(directory).BuildServiceProvider());
        }

        var services = providers[0];
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var plan = WorkflowPlan.Compile(definition with { Concurrency = new ConcurrencyLimits { MaxActiveTasks = definition.Concurrency?.MaxActiveTasks ?? 64, MaxActiveRuns = runs } },
            services.GetRequiredService<ActivityRegistry>());
        var plans = new SinglePlan(plan);
        var queue = services.GetRequiredService<IRunQueue>();
        var nodes = Enumerable.Range(0, workers).Select(n =>
        {
            var node = providers[Math.Min(n, providers.Count - 1)];
            return new QueueWorker(node.GetRequiredService<IRunQueue>(), node.GetRequiredService<IRunStore>(), plans,
                node.GetRequiredService<AttemptRunner>(), node.GetRequiredService<QueueSignal>(), TimeProvider.System,
                new WorkerSettings { Name = $"bench-{n + 1}", Slots = Slots, PollInterval = TimeSpan.FromMilliseconds(500) },
                NullLogger<QueueWorker>.Instance, observer);
        }).ToList();
        using var stop = new CancellationTokenSource();
        var listeners = providers.Select(p => p.GetService<PostgresQueueListener>()).OfType<PostgresQueueListener>()
            .Select(l => Task.Run(() => l.RunAsync(stop.Token))).ToList();

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i);
            var (run, tasks) = RunProgress.New(plan, new RunContext
            {
                RunId = Guid.CreateVersion7(), WorkflowId = plan.WorkflowId, WorkflowVersion = plan.Version, Kind = RunKind.Manual,
                LogicalDate = at, DataIntervalStart = at, DataIntervalEnd = at, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            }, DateTimeOffset.UtcNow);
            await queue.TryCreateRunAsync(run, tasks, CancellationToken.None);
        }

        var loops = nodes.ConvertAll(worker => Task.Run(() => worker.RunAsync(stop.Token)));
        await observer.WaitForRunsAsync(runs);
        watch.Stop();
        await stop.CancelAsync();
        await Task.WhenAll([.. loops, .. listeners]);

        var instances = runs * definition.Tasks.Count;
        var latencies = observer.Latencies(plan);
        Console.WriteLine($"{name}");
        Console.WriteLine($"  {instances:N0} task instances in {watch.Elapsed.TotalMilliseconds:F0} ms: {instances / watch.Elapsed.TotalSeconds:N0} task instances/s" +
            (latencies.Count == 0 ? "" : $"; upstream end -> downstream running p50 {Percentile(latencies, 0.5):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms"));
        foreach (var provider in providers)
        {
            await provider.DisposeAsync(); // closes its pooled connections to bench.db
        }

        Directory.Delete(directory, recursive: true);
    }

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)(p * values.Count))];
    }

    private sealed class SinglePlan(WorkflowPlan plan) : IWorkflowPlans
    {
        public WorkflowPlan? Find(string workflowId, string version) => workflowId == plan.WorkflowId && version == plan.Version ? plan : null;
    }

    private sealed class Recorder : IRunObserver
    {
        private readonly ConcurrentDictionary<(Guid, string), long> _succeeded = new();
        private readonly ConcurrentDictionary<(Guid, string), long> _running = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _finishedRuns;
        private int _expectedRuns = int.MaxValue;

        public void OnEvent(RunEvent runEvent)
        {
            switch (runEvent)
            {
                case TaskStateChanged { State: TaskState.Succeeded } t:
                    _succeeded.TryAdd((t.RunId, t.TaskId), Stopwatch.GetTimestamp());
                    break;
                case TaskStateChanged { State: TaskState.Running } t:
                    _running.TryAdd((t.RunId, t.TaskId), Stopwatch.GetTimestamp());
                    break;
                case RunStateChanged r when r.State.IsFinal():
                    if (Interlocked.Increment(ref _finishedRuns) >= Volatile.Read(ref _expectedRuns))
                    {
                        _done.TrySetResult();
                    }

                    break;
            }
        }

        public Task WaitForRunsAsync(int runs)
        {
            Volatile.Write(ref _expectedRuns, runs);
            if (Volatile.Read(ref _finishedRuns) >= runs)
            {
                _done.TrySetResult();
            }

            return _done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        }

        public List<double> Latencies(WorkflowPlan plan)
        {
            var result = new List<double>();
            foreach (var ((run, task), started) in _running)
            {
                var upstream = plan.Tasks[plan.IndexOf[task]].Upstream;
                if (upstream.Length == 1 && _succeeded.TryGetValue((run, plan.Tasks[upstream[0]].Id), out var ended))
                {
                    result.Add(Stopwatch.GetElapsedTime(ended, started).TotalMilliseconds);
                }
            }

            return result;
        }
    }
}
