using System.Diagnostics;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Benchmarks;

/// <summary>
/// What one trigger fire costs the scheduler in interval arithmetic: the catch-up since the last run and the next
/// interval to arm. "walk from start" is how the scheduler worked before the timetable (every tick from the
/// schedule's start, or 1970 without one, up to now); "timetable" is <see cref="Timetable"/>, computed around now.
/// </summary>
internal static class ScheduleBenchmark
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 2, TimeSpan.Zero);

    public static void Run()
    {
        Console.WriteLine($"Scheduler cost per fire ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
        Console.WriteLine("| schedule | ticks since start | walk from start | timetable | allocated (walk / timetable) |");
        Console.WriteLine("|---|---|---|---|---|");
        Measure("hourly from 2026-01-01", "0 * * * *", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Measure("hourly from 2020-01-01", "0 * * * *", new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Measure("every minute from 2026-01-01", "* * * * *", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Measure("every 5 s from 7 days ago", "*/5 * * * * *", Now.AddDays(-7));
        Measure("every 5 s without start", "*/5 * * * * *", null);
    }

    private static void Measure(string name, string cron, DateTimeOffset? start)
    {
        var definition = new WorkflowDefinition
        {
            Id = "bench",
            Schedule = new ScheduleDefinition { Cron = cron, Start = start },
            Tasks = [new TaskDefinition { Id = "a", Activity = "core.noop" }],
        };
        CronSchedule.TryParse(cron, "UTC", out var schedule, out _);
        var from = start ?? DateTimeOffset.UnixEpoch;
        var next = schedule!.NextAfter(Now)!.Value;
        var ticks = (long)((Now - from) / (schedule.NextAfter(next)!.Value - next));

        // The fire of the interval that just ended: its run, then the next interval to arm.
        var timetable = Time(() =>
        {
            var table = Timetable.For(definition, Now.AddDays(-1))!;
            var last = table.LatestEndedBy(Now)!.Value;
            return table.EndingBetween(last.Start, Now).Count() + (table.NextEndingAfter(Now) is null ? 0 : 1);
        }, iterations: 2_000);

        // Walking every tick since 1970 takes hours and gigabytes; it is only estimated from the tick count.
        var walk = ticks > 5_000_000 ? ((double?)null, (long?)null) : Time(() => WalkFromStart(schedule, from, Now), iterations: 3);
        Console.WriteLine($"| {name} | {ticks:N0} | {Format(walk.Item1, ticks)} | {Format(timetable.Item1, ticks)} | {Bytes(walk.Item2)} / {Bytes(timetable.Item2)} |");
    }

    /// <summary>The scheduler's walk before the timetable: every interval from the first tick, those ending after the last run kept.</summary>
    private static int WalkFromStart(CronSchedule cron, DateTimeOffset from, DateTimeOffset now)
    {
        var missed = new List<DataInterval>();
        var last = now.AddHours(-1);
        var start = cron.NextAfter(from.AddTicks(-1))!.Value;
        while (cron.NextAfter(start) is { } end && end <= now)
        {
            if (end > last)
            {
                missed.Add(new DataInterval(start, end));
            }

            start = end;
        }

        return missed.Count;
    }

    private static (double?, long?) Time(Func<int> fire, int iterations)
    {
        fire();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            fire();
        }

        return (watch.Elapsed.TotalMicroseconds / iterations, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / iterations);
    }

    private static string Format(double? microseconds, long ticks) => microseconds switch
    {
        null => $"not run (~{ticks:N0} ticks)",
        >= 1_000 => $"{microseconds / 1_000:N1} ms",
        _ => $"{microseconds:N1} µs",
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        >= 1 << 20 => $"{bytes / (1 << 20):N0} MiB",
        >= 1 << 10 => $"{bytes / (1 << 10):N0} KiB",
        _ => $"{bytes} B",
    };
}
