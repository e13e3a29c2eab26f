using System.Collections.Concurrent;
using Npgsql;
using Orchestrator.Core.Model;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// One node against two on one throwaway PostgreSQL (<c>-- nodes [--tasks N] [--runs R]</c>): durable no-op task
/// instances per second through <see cref="DurableBenchmark"/>, and what the database's client backends were doing
/// meanwhile (<c>pg_stat_activity</c> wait events, sampled every 10 ms; "CPU" when a backend runs without waiting),
/// with the load average, so that a lock wait shows apart from a busy machine.
/// </summary>
internal static class NodeScalingBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var tasks = Option(args, "--tasks", 4_000);
        var runs = Option(args, "--runs", 1);
        var cluster = await PostgresCluster.SharedAsync();
        Console.WriteLine($"Nodes on one PostgreSQL: {runs} run(s) of {tasks / runs:N0} independent no-op tasks, no maxActiveTasks below that, {Environment.ProcessorCount} cores");
        await DurableBenchmark.RunAsync("warm-up (not counted)", Independent(200, 64), runs: 1, BenchDatabase.Postgres);
        foreach (var (slots, workers) in new[] { (64, 1), (32, 2), (64, 2) })
        {
            DurableBenchmark.Slots = slots;
            var waits = new ConcurrentDictionary<string, int>();
            using var stop = new CancellationTokenSource();
            var sampling = SampleAsync(cluster.ConnectionString("postgres"), waits, stop.Token);
            var before = Load();
            await DurableBenchmark.RunAsync($"{workers} node(s) x {slots} slots", Independent(tasks / runs, tasks / runs), runs, BenchDatabase.Postgres, workers);
            await stop.CancelAsync();
            var samples = await sampling;
            Console.WriteLine($"  load average before {before}, after {Load()}");
            var total = Math.Max(1, waits.Values.Sum());
            Console.WriteLine($"  active client backends, {samples} samples: " + string.Join(", ",
                waits.OrderByDescending(w => w.Value).Take(8).Select(w => $"{w.Key} {100.0 * w.Value / total:F0} %")));
        }
    }

    private static WorkflowDefinition Independent(int width, int maxActiveTasks) => new()
    {
        Id = "bench",
        Concurrency = new ConcurrencyLimits { MaxActiveTasks = maxActiveTasks },
        Tasks = Enumerable.Range(0, width).Select(i => new TaskDefinition { Id = $"t{i}", Activity = "core.noop" }).ToList(),
    };

    /// <summary>Counts the wait events of the benchmark's active backends until cancelled; returns the number of samples.</summary>
    private static async Task<int> SampleAsync(string connectionString, ConcurrentDictionary<string, int> waits, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid() AND datname LIKE 'bench%'
            """, connection);
        var samples = 0;
        while (!stop.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    waits.AddOrUpdate(reader.GetString(0), 1, (_, n) => n + 1);
                }
            }

            samples++;
            await Task.Delay(10, CancellationToken.None);
        }

        return samples;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
