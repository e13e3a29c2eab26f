using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// Kafka throughput: the same records produced and consumed back through <see cref="KafkaEventStream"/> and through
/// kcat, against one librdkafka mock cluster started in this process. Both sides use the same producer settings (acks
/// all, idempotence, linger 5 ms, batches of 10,000) and the same fetch wait (100 ms). The produce and consume timings
/// cover a whole operation: client start, connection, the work, and close (for kcat: the process); our consumer also
/// joins a group, kcat reads the partitions directly. The connected / joined timings leave the client's start out.
/// </summary>
internal static class KafkaBenchmark
{
    private static readonly string[] ProducerOptions = ["acks=all", "enable.idempotence=true", "linger.ms=5", "batch.num.messages=10000"];

    public static async Task RunAsync(string[] args)
    {
        var records = Option(args, "--records", 200_000);
        var valueBytes = Option(args, "--value-bytes", 200);
        var partitions = Option(args, "--partitions", 12);
        var runs = Option(args, "--runs", 3);
        var kcat = Environment.GetEnvironmentVariable("KCAT") ?? "kcat";
        // --set key=value (repeatable): a librdkafka setting for both tools, e.g. --set compression.type=lz4.
        var extra = args.Select((a, i) => (a, i)).Where(p => p.a == "--set" && p.i + 1 < args.Length)
            .Select(p => args[p.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

        var batch = Generate(records, valueBytes);
        var bytes = batch.Sum(r => (long)Encoding.UTF8.GetByteCount(r.Key!) + r.Value.Length);
        if (bytes / partitions > KafkaMockCluster.PartitionLogBytes * 3 / 4)
        {
            throw new InvalidOperationException(
                $"{bytes / 1e6:F1} MB over {partitions} partitions is more than the mock broker keeps per partition " +
                $"({KafkaMockCluster.PartitionLogBytes / 1048576} MiB, older records are dropped): use more --partitions or fewer --records");
        }

        using var cluster = KafkaMockCluster.Start();
        var stream = new KafkaEventStream(
            new Connection("bench", ConnectionTypes.Kafka, new Dictionary<string, string>(extra) { ["bootstrap.servers"] = cluster.BootstrapServers }),
            TimeProvider.System,
            NullLogger<KafkaEventStream>.Instance);

        Console.WriteLine($"Kafka benchmark ({Environment.ProcessorCount} cores, .NET {Environment.Version}, librdkafka {Confluent.Kafka.Library.VersionString}, " +
                          $"{KafkaVersionOf(kcat)}): librdkafka mock cluster, 3 brokers, {partitions} partitions");
        Console.WriteLine($"{records:N0} records, {bytes / (double)records:F0} bytes each (key + JSON value), {bytes / 1e6:F1} MB; median of {runs} runs after a warm-up");

        // Warm-up: JIT, thread pool, the mock's first connections.
        await ProduceWithStreamAsync(stream, cluster.CreateUniqueTopic(partitions, "warmup"), batch[..Math.Min(records, 20_000)]);

        var results = new List<(string Tool, string Operation, double Seconds)>();
        for (var run = 0; run < runs; run++)
        {
            var topic = cluster.CreateUniqueTopic(partitions, "orchestrator");
            results.Add(("orchestrator", "produce", await ProduceWithStreamAsync(stream, topic, batch)));
            results.Add(("orchestrator", "consume", await ConsumeWithStreamAsync(stream, topic, records)));
            var warm = cluster.CreateUniqueTopic(partitions, "connected");
            results.Add(("orchestrator", "produce, connected", await ProduceConnectedAsync(stream, warm, batch)));
            results.Add(("orchestrator", "consume, joined", await ConsumeJoinedAsync(stream, warm, records)));
        }

        await using (var activities = new KafkaActivityBenchmark(cluster.BootstrapServers, extra))
        {
            await activities.WriteInputAsync(batch.Select(r => Encoding.UTF8.GetString(r.Value)));
            for (var run = 0; run < runs; run++)
            {
                var topic = cluster.CreateUniqueTopic(partitions, "activity");
                results.Add(("kafka.produce", "jsonl file", await activities.ProduceAsync(topic, records)));
                results.Add(("kafka.consume", "to jsonl", await activities.ConsumeAsync(topic, $"batch-{run}.jsonl", records)));
                results.Add(("kafka.consume", "to parquet", await activities.ConsumeAsync(topic, $"batch-{run}.parquet", records)));
            }
        }

        var file = Path.Combine(Path.GetTempPath(), $"orchestrator-kcat-{Guid.NewGuid():N}.tsv");
        await File.WriteAllLinesAsync(file, batch.Select(r => $"{r.Key}\t{Encoding.UTF8.GetString(r.Value)}"));
        try
        {
            for (var run = 0; run < runs; run++)
            {
                var topic = cluster.CreateUniqueTopic(partitions, "kcat");
                results.Add(("kcat", "produce", await ProduceWithKcatAsync(kcat, cluster.BootstrapServers, topic, file, extra)));
                results.Add(("kcat", "consume", await ConsumeWithKcatAsync(kcat, cluster.BootstrapServers, topic, records, extra)));
            }
        }
        finally
        {
            File.Delete(file);
        }

        Console.WriteLine();
        Console.WriteLine($"{"tool",-13} {"operation",-18} {"records",10} {"seconds",8} {"records/s",11} {"MB/s",7}");
        foreach (var group in results.GroupBy(r => (r.Tool, r.Operation)))
        {
            var seconds = group.Select(r => r.Seconds).Order().ElementAt(group.Count() / 2);
            Console.WriteLine($"{group.Key.Tool,-13} {group.Key.Operation,-18} {records,10:N0} {seconds,8:F2} {records / seconds,11:N0} {bytes / 1e6 / seconds,7:F1}");
        }

        Console.WriteLine();
        Console.WriteLine("produce, consume: the whole operation (client start, connection, idempotent producer id or group join, the records, close;");
        Console.WriteLine("  for kcat the process). connected / joined: the records only, with a client that already sent or read one record.");
        Console.WriteLine("kafka.produce / kafka.consume: the activities in the in-process engine — read the jsonl file and send it; read a batch as a new");
        Console.WriteLine("  group, parse the JSON values, write the batch file durably (fsync, rename), commit.");
    }

    private static async Task<double> ProduceWithStreamAsync(KafkaEventStream stream, string topic, IReadOnlyList<OutgoingMessage> batch)
    {
        var watch = Stopwatch.StartNew();
        using (var producer = stream.CreateProducer(new ProducerSettings()))
        {
            var ranges = await producer.ProduceAsync(topic, batch, CancellationToken.None);
            Expect(ranges.Sum(r => r.Count), batch.Count, "produced");
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> ProduceConnectedAsync(KafkaEventStream stream, string topic, IReadOnlyList<OutgoingMessage> batch)
    {
        using var producer = stream.CreateProducer(new ProducerSettings());
        await producer.ProduceAsync(topic, [batch[0]], CancellationToken.None);
        var watch = Stopwatch.StartNew();
        var ranges = await producer.ProduceAsync(topic, batch, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        Expect(ranges.Sum(r => r.Count), batch.Count, "produced");
        return seconds;
    }

    /// <summary>Reads a topic holding one record more than <paramref name="records"/>: that one to join, then the rest, timed.</summary>
    private static async Task<double> ConsumeJoinedAsync(KafkaEventStream stream, string topic, int records)
    {
        using var consumer = stream.CreateConsumer(new ConsumerSettings { Group = $"bench-{Guid.NewGuid():N}", Topics = [topic] });
        var limits = new BatchLimits { MaxMessages = 1, MaxWait = TimeSpan.FromMinutes(1) };
        Expect((await consumer.ReadAsync(limits, CancellationToken.None)).Count, 1, "joined with");
        var watch = Stopwatch.StartNew();
        var read = (await consumer.ReadAsync(limits with { MaxMessages = records, MaxWait = TimeSpan.FromMinutes(5) }, CancellationToken.None)).Count;
        var seconds = watch.Elapsed.TotalSeconds;
        Expect(read, records, "consumed");
        return seconds;
    }

    private static async Task<double> ConsumeWithStreamAsync(KafkaEventStream stream, string topic, int records)
    {
        var watch = Stopwatch.StartNew();
        var read = 0;
        using (var consumer = stream.CreateConsumer(new ConsumerSettings { Group = $"bench-{Guid.NewGuid():N}", Topics = [topic] }))
        {
            var limits = new BatchLimits { MaxMessages = records, MaxWait = TimeSpan.FromMinutes(5) };
            read = (await consumer.ReadAsync(limits, CancellationToken.None)).Count;
        }

        Expect(read, records, "consumed");
        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> ProduceWithKcatAsync(string kcat, string bootstraps, string topic, string file, Dictionary<string, string> extra)
    {
        string[] arguments = ["-P", "-b", bootstraps, "-t", topic, "-K", "\t", "-l", .. Settings(ProducerOptions, extra), file];
        var watch = Stopwatch.StartNew();
        var (exit, _, errors) = await RunAsync(kcat, arguments);
        var seconds = watch.Elapsed.TotalSeconds;
        return exit == 0 && errors.Length == 0
            ? seconds
            : throw new InvalidOperationException($"kcat -P exited {exit}: {errors}");
    }

    private static async Task<double> ConsumeWithKcatAsync(string kcat, string bootstraps, string topic, int records, Dictionary<string, string> extra)
    {
        string[] arguments = ["-C", "-b", bootstraps, "-t", topic, "-o", "beginning", "-e", "-q", .. Settings(["fetch.wait.max.ms=100"], extra)];
        var watch = Stopwatch.StartNew();
        var (exit, lines, errors) = await RunAsync(kcat, arguments);
        var seconds = watch.Elapsed.TotalSeconds;
        if (exit != 0)
        {
            throw new InvalidOperationException($"kcat -C exited {exit}: {errors}");
        }

        Expect((int)lines, records, "consumed by kcat");
        return seconds;
    }

    /// <summary>kcat's <c>-X key=value</c> arguments: the given settings, then the extra ones.</summary>
    private static IEnumerable<string> Settings(IEnumerable<string> settings, Dictionary<string, string> extra)
        => settings.Concat(extra.Select(kv => $"{kv.Key}={kv.Value}")).SelectMany(s => new[] { "-X", s });

    /// <summary>Runs a program, counting (not keeping) the lines it prints.</summary>
    private static async Task<(int Exit, long Lines, string Errors)> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var errors = process.StandardError.ReadToEndAsync();
        var lines = 0L;
        var buffer = new byte[1 << 16];
        var output = process.StandardOutput.BaseStream;
        int read;
        while ((read = await output.ReadAsync(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        await process.WaitForExitAsync();
        return (process.ExitCode, lines, (await errors).Trim());
    }

    private static string KafkaVersionOf(string kcat)
    {
        try
        {
            var start = new ProcessStartInfo(kcat, "-V") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...)"
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("Version ", StringComparison.Ordinal)) ?? "";
            var version = line.Split(' ').ElementAtOrDefault(1) ?? "?";
            var library = line.Split("librdkafka ").ElementAtOrDefault(1)?.Split(' ')[0] ?? "?";
            return $"kcat {version} on librdkafka {library}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"'{kcat}' is not installed: run tests/bench-kafka.sh (it installs the kcat package) or set KCAT");
        }
    }

    /// <summary>Records like the pipelines' card transactions: a customer key and a JSON value of about the given size.</summary>
    private static OutgoingMessage[] Generate(int count, int valueBytes)
    {
        var records = new OutgoingMessage[count];
        for (var i = 0; i < count; i++)
        {
            var json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"transaction_id\":{i},\"customer\":\"c-{i % 10_000:D5}\",\"amount\":{i % 997 + 0.5:F2},\"currency\":\"EUR\",\"ts\":\"2026-01-01T00:00:00Z\",\"note\":\"");
            var padding = Math.Max(0, valueBytes - json.Length - 2);
            records[i] = new OutgoingMessage($"c-{i % 10_000:D5}", Encoding.UTF8.GetBytes(json + new string('x', padding) + "\"}"));
        }

        return records;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length
            ? int.Parse(args[at + 1], CultureInfo.InvariantCulture)
            : fallback;
    }

    private static void Expect(long actual, long expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what} {actual:N0} records, expected {expected:N0}");
        }
    }
}
