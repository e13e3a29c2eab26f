using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// Kafka throughput, one table from one run: the same records produced and consumed back by kcat, by the bare
/// Confluent.Kafka client, by <see cref="KafkaEventStream"/>, and by the <c>kafka.produce</c> / <c>kafka.consume</c>
/// activities as a workflow task runs them, against one librdkafka mock cluster started in this process, with each
/// figure's ratio to kcat. All use the same producer settings (acks all, idempotence, linger 5 ms, batches of 10,000)
/// and the same fetch wait (100 ms). The produce and consume timings cover a whole operation: client start,
/// connection, the work, and close (for kcat: the process); our consumers also join a group, kcat reads the
/// partitions directly. The connected / joined timings leave the client's start out.
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
        var produceOnly = args.Contains("--produce-only");
        EachRun = args.Contains("--each");
        // --only "kcat,kafka.consume": only these tools (a consume row also runs the produce that fills its topic).
        var only = Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length
            ? args[o + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        bool Runs(string tool) => only is null || only.Contains(tool, StringComparer.Ordinal);
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
        var raw = batch.Select(r => (Key: Encoding.UTF8.GetBytes(r.Key!), r.Value)).ToArray();
        ProduceWithClient(cluster.BootstrapServers, cluster.CreateUniqueTopic(partitions, "warmup"), raw[..Math.Min(records, 20_000)], extra);

        var file = Path.Combine(Path.GetTempPath(), $"orchestrator-kcat-{Guid.NewGuid():N}.tsv");
        await File.WriteAllLinesAsync(file, batch.Select(r => $"{r.Key}\t{Encoding.UTF8.GetString(r.Value)}"));
        var results = new List<(string Tool, string Operation, double Seconds, double Cpu)>();
        try
        {
            await using var activities = new KafkaActivityBenchmark(cluster.BootstrapServers, extra);
            await activities.WriteInputAsync(batch.Select(r => Encoding.UTF8.GetString(r.Value)));
            // Warm-up of the activities too (the engine's and the activities' code is compiled on first use).
            var warmup = cluster.CreateUniqueTopic(partitions, "warmup");
            await activities.ProduceAsync(warmup, records);
            if (!produceOnly)
            {
                await activities.ConsumeAsync(warmup, "warmup.jsonl", records);
                if (only is null || Runs("parquet"))
                {
                    await activities.ConsumeAsync(warmup, "warmup.parquet", records);
                }
            }


            // The tools take turns within each run, so a change in the machine's load falls on all of them alike.
            for (var run = 0; run < runs; run++)
            {
                var topic = cluster.CreateUniqueTopic(partitions, "kcat");
                if (Runs("kcat"))
                {
                    results.Add(await MeasureAsync("kcat", "produce", () => ProduceWithKcatAsync(kcat, cluster.BootstrapServers, topic, file, extra)));
                    if (!produceOnly)
                    {
                        results.Add(await MeasureAsync("kcat", "consume", () => ConsumeWithKcatAsync(kcat, cluster.BootstrapServers, topic, records, extra)));
                    }
                }

                topic = cluster.CreateUniqueTopic(partitions, "client");
                if (Runs("client"))
                {
                    results.Add(await MeasureAsync("client", "produce", () => Task.FromResult(ProduceWithClient(cluster.BootstrapServers, topic, raw, extra))));
                    if (!produceOnly)
                    {
                        results.Add(await MeasureAsync("client", "consume", () => Task.FromResult(ConsumeWithClient(cluster.BootstrapServers, topic, records, extra))));
                    }
                }

                topic = cluster.CreateUniqueTopic(partitions, "stream");
                if (Runs("stream"))
                {
                    results.Add(await MeasureAsync("event stream", "produce", () => ProduceWithStreamAsync(stream, topic, batch)));
                    if (!produceOnly)
                    {
                        results.Add(await MeasureAsync("event stream", "consume", () => ConsumeWithStreamAsync(stream, topic, records)));
                        results.Add(await MeasureAsync("event stream", "consume, none kept", () => ConsumeStreamedAsync(stream, topic, records)));
                    }

                    var warm = cluster.CreateUniqueTopic(partitions, "connected");
                    results.Add(await MeasureAsync("event stream", "produce, connected", () => ProduceConnectedAsync(stream, warm, batch)));
                    if (!produceOnly)
                    {
                        results.Add(await MeasureAsync("event stream", "consume, joined", () => ConsumeJoinedAsync(stream, warm, records)));
                    }
                }

                topic = cluster.CreateUniqueTopic(partitions, "activity");
                if (Runs("kafka.produce") || Runs("kafka.consume") || Runs("parquet"))
                {
                    results.Add(await MeasureAsync("kafka.produce", "produce jsonl file", () => activities.ProduceAsync(topic, records)));
                }

                if (!produceOnly && Runs("kafka.consume"))
                {
                    results.Add(await MeasureAsync("kafka.consume", "consume to jsonl", () => activities.ConsumeAsync(topic, $"batch-{run}.jsonl", records)));
                }

                if (!produceOnly && (only is null || Runs("parquet")))
                {
                    results.Add(await MeasureAsync("kafka.consume", "consume to parquet", () => activities.ConsumeAsync(topic, $"batch-{run}.parquet", records)));
                }
            }
        }
        finally
        {
            File.Delete(file);
        }

        var medians = results.GroupBy(r => (r.Tool, r.Operation))
            .Select(g => (g.Key.Tool, g.Key.Operation, Seconds: Median(g.Select(r => r.Seconds)), Cpu: Median(g.Select(r => r.Cpu))))
            .ToList();
        (double Seconds, double Cpu) Kcat(string operation) => medians.Where(m => m.Tool == "kcat" && m.Operation == operation).Select(m => (m.Seconds, m.Cpu)).DefaultIfEmpty((double.NaN, double.NaN)).Single();
        Console.WriteLine();
        Console.WriteLine($"{"tool",-13} {"operation",-20} {"records",10} {"seconds",8} {"records/s",11} {"MB/s",7} {"vs kcat",8} {"CPU s",6} {"CPU vs kcat",11}");
        foreach (var (tool, operation, seconds, cpu) in medians)
        {
            var reference = Kcat(operation.StartsWith("produce", StringComparison.Ordinal) ? "produce" : "consume");
            Console.WriteLine($"{tool,-13} {operation,-20} {records,10:N0} {seconds,8:F2} {records / seconds,11:N0} {bytes / 1e6 / seconds,7:F1} " +
                              $"{reference.Seconds / seconds,8:P0} {cpu,6:F2} {reference.Cpu / cpu,11:P0}");
        }

        Console.WriteLine();
        Console.WriteLine("produce, consume: the whole operation (client start, connection, idempotent producer id or group join, the records, close;");
        Console.WriteLine("  for kcat the process, which reads the partitions without a group). client: Confluent.Kafka alone, byte keys and values,");
        Console.WriteLine("  Produce with a delivery handler; its consumer joins a group, reads every record and commits once.");
        Console.WriteLine("event stream: the Kafka event stream the activities use (its producer calls librdkafka's C API, reports read in batches;");
        Console.WriteLine("  its consumer is Confluent.Kafka's). none kept: each record handed over as it arrives, as");
        Console.WriteLine("  kafka.consume to jsonl reads. connected / joined: the records only, with a client that already sent or read one record.");
        Console.WriteLine("kafka.produce / kafka.consume: the activities as a workflow task runs them (in-process engine): read the jsonl file and send it;");
        Console.WriteLine("  read a batch as a new group, check the JSON values, write the batch file durably (fsync, rename), commit.");
        Console.WriteLine("CPU s: processor time of this process (the mock brokers included, the same for every tool) and of kcat, during the operation;");
        Console.WriteLine("  less sensitive than seconds to other work on the machine. CPU vs kcat: kcat's CPU time over this one's.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static async Task<(string Tool, string Operation, double Seconds, double Cpu)> MeasureAsync(string tool, string operation, Func<Task<double>> run)
    {
        var before = CpuSeconds();
        var seconds = await run();
        var cpu = CpuSeconds() - before;
        if (EachRun)
        {
            Console.WriteLine($"  {tool,-13} {operation,-20} {seconds,8:F2} s {cpu,6:F2} CPU s");
        }

        return (tool, operation, seconds, cpu);
    }

    /// <summary>--each: print every measurement as it is taken, not only the medians.</summary>
    private static bool EachRun { get; set; }

    /// <summary>User and system time of this process and of its children that have ended (kcat), from getrusage.</summary>
    private static double CpuSeconds()
    {
        double Of(int who)
        {
            var usage = new long[18]; // struct rusage on 64-bit Linux: ru_utime, ru_stime (timeval each), 14 counters
            return GetResourceUsage(who, usage) == 0 ? usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6 : 0;
        }

        return Of(0) + Of(-1); // RUSAGE_SELF, RUSAGE_CHILDREN
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, [Out] long[] usage);

    /// <summary>
    /// Confluent.Kafka alone, with the settings the activity uses, at its best: byte keys and values, one message
    /// object, a delivery handler that only counts, a short wait in <c>Poll</c> when librdkafka's queue is full (as
    /// kcat does), and the topic's metadata asked for at the start so that the idempotent producer gets its id without
    /// librdkafka's 500 ms retry (see KafkaStreamProducer).
    /// </summary>
    private static double ProduceWithClient(string bootstraps, string topic, (byte[] Key, byte[] Value)[] records, Dictionary<string, string> extra)
    {
        var config = new ProducerConfig(new Dictionary<string, string>(extra))
        {
            BootstrapServers = bootstraps,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            BatchNumMessages = 10_000,
            DeliveryReportFields = "none",
        };
        if (!extra.ContainsKey("enable.sparse.connections"))
        {
            config.Set("enable.sparse.connections", "false"); // as the event stream's producer (see KafkaEventStream)
        }
        var delivered = 0;
        var failed = 0;
        var watch = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).Build())
        {
            void OnDelivered(DeliveryReport<byte[], byte[]> report)
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
                else
                {
                    Interlocked.Increment(ref delivered);
                }
            }

            var producerId = Task.Factory.StartNew(() =>
            {
                using var metadata = new DependentAdminClientBuilder(producer.Handle).Build();
                for (var attempt = 0; attempt < 3 && Volatile.Read(ref delivered) == 0 && watch.ElapsedMilliseconds < 450; attempt++)
                {
                    try
                    {
                        metadata.GetMetadata(topic, TimeSpan.FromMilliseconds(500 - watch.ElapsedMilliseconds));
                    }
                    catch (KafkaException)
                    {
                        // The bootstrap connection it went to was dropped: ask again.
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var message = new Message<byte[], byte[]>();
            foreach (var (key, value) in records)
            {
                message.Key = key;
                message.Value = value;
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message, OnDelivered);
                        break;
                    }
                    catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
            }

            producer.Flush(TimeSpan.FromMinutes(5));
            producerId.Wait();
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Expect(delivered, records.Length, $"the client delivered ({failed} failed)");
        return seconds;
    }

    private static double ConsumeWithClient(string bootstraps, string topic, int records, Dictionary<string, string> extra)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(extra))
        {
            BootstrapServers = bootstraps,
            GroupId = $"bench-{Guid.NewGuid():N}",
            GroupProtocol = GroupProtocol.Consumer,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
            FetchQueueBackoffMs = 50, // as the event stream's consumer
        };
        if (!extra.ContainsKey("enable.sparse.connections"))
        {
            config.Set("enable.sparse.connections", "false"); // as the event stream's consumer (see KafkaEventStream)
        }
        var watch = Stopwatch.StartNew();
        var read = 0;
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build())
        {
            consumer.Subscribe(topic);
            var next = new Dictionary<TopicPartition, long>();
            var deadline = Stopwatch.StartNew();
            while (read < records && deadline.Elapsed < TimeSpan.FromMinutes(5))
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    read++;
                    next[result.TopicPartition] = result.Offset.Value + 1;
                }
            }

            consumer.Commit(next.Select(n => new TopicPartitionOffset(n.Key, n.Value)));
            consumer.Close();
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Expect(read, records, "the client consumed");
        return seconds;
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

    /// <summary>Reads every record as the consume activity does, handing each over as it arrives and keeping none.</summary>
    private static async Task<double> ConsumeStreamedAsync(KafkaEventStream stream, string topic, int records)
    {
        var watch = Stopwatch.StartNew();
        var read = 0;
        using (var consumer = stream.CreateConsumer(new ConsumerSettings { Group = $"bench-{Guid.NewGuid():N}", Topics = [topic] }))
        {
            var limits = new BatchLimits { MaxMessages = records, MaxWait = TimeSpan.FromMinutes(5) };
            await consumer.ReadAsync(limits, _ => read++, CancellationToken.None);
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
