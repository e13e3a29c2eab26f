using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The durable path side by side with Hangfire, on one throwaway PostgreSQL cluster (fsync off): the workflow server
/// as real processes (<c>dotnet Orchestrator.Server.dll</c>, one node and two nodes, each with 64 worker slots)
/// running manual runs of independent <c>core.noop</c> tasks triggered over HTTP, and Hangfire 1.8 with
/// Hangfire.PostgreSql running the same number of no-op fire-and-forget jobs enqueued up front, with its default
/// worker count and with as many workers as one node has slots. Throughput and lag are computed from the timestamps
/// each tool writes in its own tables (ours: <c>runs</c> and <c>attempts</c>; Hangfire: <c>hangfire.state</c>), so
/// the harness's polling does not enter the numbers. Lag is the time from an upstream task's end (succeeded) to its
/// downstream's start (running) along a chain of tasks, ours as a chain workflow, Hangfire's as continuations
/// (<c>ContinueJobWith</c>).
/// </summary>
internal static partial class PostgresBenchmark
{
    private const int Slots = 64;

    /// <summary>
    /// Task instances each node configuration runs before it is measured (<c>--warmup N</c>, 200 unless told): the
    /// first passes run the JIT's unoptimized code, which the runtime replaces only once calls have been counted.
    /// </summary>
    private static int Warmup { get; set; } = 200;

    public static async Task RunAsync(string[] args)
    {
        var tasks = Option(args, "--tasks", 5_000);
        Warmup = Option(args, "--warmup", 200);
        var runs = Option(args, "--runs", 4);
        var chain = Option(args, "--chain", 1_000);
        var hangfireChain = Option(args, "--hangfire-chain", chain);
        tasks -= tasks % runs;

        var section = Stopwatch.StartNew();
        var cluster = await PostgresCluster.SharedAsync();
        var statements = await DatabaseProbe.EnableAsync(cluster);
        var loadBefore = LoadAverage();
        var version = await ScalarAsync<string>(cluster.ConnectionString("postgres"), "SHOW server_version");
        var defaultWorkers = new BackgroundJobServerOptions().WorkerCount;
        Console.WriteLine($"PostgreSQL side by side: the workflow server against Hangfire {Version(typeof(BackgroundJob))} + Hangfire.PostgreSql {Version(typeof(PostgreSqlStorage))} " +
                          $"({Environment.ProcessorCount} cores, .NET {Environment.Version}, PostgreSQL {version} " +
                          $"on the same machine, fsync off): {tasks:N0} no-op task instances ({runs} runs of {tasks / runs:N0} for the server), " +
                          $"a chain of {chain:N0} for lag, after a warm-up run of {Warmup:N0}; load average before: {loadBefore}");

        // --baseline DIR: the same measurements also with the Orchestrator.Server.dll of another build (e.g. the
        // previous commit's), alternated with this build's, so both meet the same machine load; --repeat K does each K
        // times; --nodes 1 and --no-hangfire narrow the section to what is being compared.
        var baseline = OptionText(args, "--baseline");
        // --server DIR: this build's server from another directory (tests/bench.sh passes a ReadyToRun publish of it,
        // as the image runs it); without it, the build output next to the benchmark (JIT-compiled).
        var server = OptionText(args, "--server") is { } dir ? Path.Combine(Path.GetFullPath(dir), "Orchestrator.Server.dll") : null;
        var repeat = Option(args, "--repeat", 1);
        var nodeCounts = OptionText(args, "--nodes") is { } list ? list.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray() : [1, 2];
        var withHangfire = !args.Contains("--no-hangfire");
        var rows = new List<Row>();
        for (var r = 0; r < repeat; r++)
        {
            foreach (var nodes in nodeCounts)
            {
                if (baseline is not null)
                {
                    rows.Add(await OursAsync(cluster, nodes, tasks, runs, chain, statements, Path.Combine(Path.GetFullPath(baseline), "Orchestrator.Server.dll")));
                }

                rows.Add(await OursAsync(cluster, nodes, tasks, runs, chain, statements, server, tool: "Orchestrator"));
            }
        }

        Row? hangfireDefault = null, hangfireSame = null;
        if (withHangfire)
        {
            hangfireDefault = await HangfireAsync(cluster, defaultWorkers, tasks, hangfireChain, statements);
            hangfireSame = await HangfireAsync(cluster, Slots, tasks, chain: 0, statements);
            rows.Add(hangfireDefault);
            rows.Add(hangfireSame);
        }

        Console.WriteLine();
        Console.WriteLine($"{"tool",-12} {"nodes/workers",-22} {"task instances/s",16} {"× Hangfire default",18} {"× Hangfire same",15} " +
                          $"{"lag p50",9} {"lag p99",9} {"statements/task",15} {"commits/task",12} {"app CPU/task",12} {"db CPU/task",11}");
        foreach (var row in rows)
        {
            Console.WriteLine($"{row.Tool,-12} {row.Setup,-22} {row.PerSecond,16:N0} {Times(row.PerSecond, hangfireDefault),18} " +
                              $"{Times(row.PerSecond, hangfireSame),15} {Ms(row.LagP50),9} {Ms(row.LagP99),9} " +
                              $"{(row.StatementsPerTask is { } n ? n.ToString("F1", CultureInfo.InvariantCulture) : "—"),15} " +
                              $"{(row.CommitsPerTask is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) : "—"),12} {Ms2(row.CpuMsPerTask),12} {Ms2(row.DbCpuMsPerTask),11}");
        }

        var ours = rows.Where(r => r.Tool == "Orchestrator").ToList();
        if (ours.FirstOrDefault(r => r.Nodes == 1) is { } one && ours.FirstOrDefault(r => r.Nodes == 2) is { } two && hangfireDefault is not null && hangfireSame is not null)
        {
            var worstP50 = Math.Max(one.LagP50 ?? double.MaxValue, two.LagP50 ?? double.MaxValue);
            var worstP99 = Math.Max(one.LagP99 ?? double.MaxValue, two.LagP99 ?? double.MaxValue);
            var ratio = one.PerSecond / Math.Max(hangfireDefault.PerSecond, hangfireSame.PerSecond);
            Console.WriteLine();
            Console.WriteLine("goals");
            Goal("≥ 2,000 task instances/s on one node", $"{one.PerSecond:N0}/s", one.PerSecond >= 2_000);
            Goal("≥ 10× Hangfire (one node against Hangfire's better setup)", $"{ratio:F1}×", ratio >= 10);
            Goal("lag p50 ≤ 10 ms (1 and 2 nodes)", $"{Ms(one.LagP50)}, {Ms(two.LagP50)}", worstP50 <= 10);
            Goal("lag p99 ≤ 50 ms (1 and 2 nodes)", $"{Ms(one.LagP99)}, {Ms(two.LagP99)}", worstP99 <= 50);
            Goal("2 nodes ≥ 1.6× one node", $"{two.PerSecond / one.PerSecond:F2}×", two.PerSecond >= 1.6 * one.PerSecond);
        }

        Console.WriteLine($"load average after: {LoadAverage()}; the section took {section.Elapsed.TotalSeconds:F0} s");
    }

    private static string Times(double perSecond, Row? peer) => peer is null ? "—" : $"{perSecond / peer.PerSecond:F1}×";

    private static void Goal(string goal, string measured, bool met)
        => Console.WriteLine($"  {goal,-58} {measured,-20} {(met ? "met" : "NOT met")}");

    private static string Ms(double? ms) => ms is { } value ? $"{value:F1} ms" : "—";

    private static string Ms2(double? ms) => ms is { } value ? $"{value:F2} ms" : "—";

    private sealed record Row(
        string Tool, string Setup, double PerSecond, double? LagP50, double? LagP99, double? StatementsPerTask, double CpuMsPerTask,
        double? DbCpuMsPerTask, double? CommitsPerTask, int Nodes = 0);

    // ---------------------------------------------------------------- the workflow server

    private static async Task<Row> OursAsync(
        PostgresCluster cluster, int nodes, int tasks, int runs, int chain, bool statements, string? serverDll = null, string tool = "baseline")
    {
        var connection = await cluster.CreateDatabaseAsync("server");
        var root = Directory.CreateTempSubdirectory("orchestrator-pg-bench-").FullName;
        var workflows = Directory.CreateDirectory(Path.Combine(root, "workflows")).FullName;
        await File.WriteAllTextAsync(Path.Combine(workflows, "wide.json"), Workflow("wide", tasks / runs, chained: false, runs));
        await File.WriteAllTextAsync(Path.Combine(workflows, "warmup.json"), Workflow("warmup", Warmup, chained: false, 1));
        await File.WriteAllTextAsync(Path.Combine(workflows, "chain.json"), Workflow("chain", chain, chained: true, 1));

        var servers = new List<ServerProcess>();
        try
        {
            for (var n = 0; n < nodes; n++)
            {
                servers.Add(ServerProcess.Start($"node{n + 1}", serverDll, root, new Dictionary<string, string>
                {
                    ["Orchestrator__Database__Provider"] = "postgresql",
                    ["Orchestrator__Database__ConnectionString"] = connection,
                    ["Orchestrator__WorkflowsDirectory"] = workflows,
                    ["Orchestrator__DataDirectory"] = Directory.CreateDirectory(Path.Combine(root, $"data{n + 1}")).FullName,
                    ["Orchestrator__NodeName"] = $"node{n + 1}",
                    ["Orchestrator__Workers__Slots"] = Slots.ToString(CultureInfo.InvariantCulture),
                }));

                // One at a time: the first node migrates the database.
                await servers[^1].WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
            }

            await RunAndWaitAsync(servers, connection, "warmup", 1);

            var probe = await DatabaseProbe.StartAsync(connection, statements);
            var cpu = servers.Sum(s => s.CpuTime.TotalMilliseconds);
            var watch = Stopwatch.StartNew();
            var ids = await RunAndWaitAsync(servers, connection, "wide", runs);
            var wall = watch.Elapsed.TotalSeconds;
            var cpuPerTask = (servers.Sum(s => s.CpuTime.TotalMilliseconds) - cpu) / tasks;
            var (count, seconds) = await SpanAsync(connection, ids);
            if (count != tasks)
            {
                throw new InvalidOperationException($"{count} of {tasks} task instances succeeded");
            }

            var workers = await ScalarAsync<long>(connection, "SELECT count(DISTINCT worker) FROM attempts WHERE run_id = ANY(@ids)", ids);
            // The pace once started: attempt ends per second between the 10th and the 90th percentile of their times
            // (what the window from the trigger adds: creating the runs, the first claims, the last run's end).
            var steady = await ScalarAsync<double>(connection,
                """
                SELECT 0.8 * count(*) / extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY ended_at)
                                                         - percentile_disc(0.1) WITHIN GROUP (ORDER BY ended_at))::float8
                FROM attempts WHERE run_id = ANY(@ids)
                """, ids);
            Console.WriteLine($"  {(tool == "baseline" ? "baseline server" : "server")}, {nodes} node(s) × {Slots} slots: {tasks:N0} task instances in {seconds:F2} s from the trigger to the " +
                              $"last run's end ({wall:F2} s by the harness's clock; {steady:N0}/s between the 10th and 90th percentile of attempt ends), attempts ran on {workers} node(s), " +
                              $"{cpuPerTask:F2} ms of server CPU per task instance");
            var measured = await probe.ReportAsync(tasks);

            var chainIds = await RunAndWaitAsync(servers, connection, "chain", 1);
            var lags = await ChainLagsAsync(connection, chainIds[0]);
            Console.WriteLine($"  server, {nodes} node(s): chain of {chain:N0}, lag p50 {Percentile(lags, 0.5):F1} ms, p99 {Percentile(lags, 0.99):F1} ms, " +
                              $"max {lags[^1]:F1} ms");
            return new Row(tool, $"{nodes} node{(nodes > 1 ? "s" : "")} × {Slots} slots", count / seconds,
                Percentile(lags, 0.5), Percentile(lags, 0.99), measured.Statements, cpuPerTask, measured.CpuMs, measured.Commits, nodes);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static string Workflow(string id, int count, bool chained, int maxActiveRuns)
    {
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $$"""{ "id": "{{id}}", "concurrency": { "maxActiveRuns": {{maxActiveRuns}}, "maxActiveTasks": {{Slots}} }, "tasks": [""");
        for (var i = 0; i < count; i++)
        {
            json.Append(i == 0 ? "\n" : ",\n");
            json.Append(CultureInfo.InvariantCulture, $$"""  { "id": "t{{i:D5}}", "activity": "core.noop" """);
            if (chained && i > 0)
            {
                json.Append(CultureInfo.InvariantCulture, $$""", "dependsOn": ["t{{i - 1:D5}}"] """);
            }

            json.Append('}');
        }

        return json.Append("\n] }\n").ToString();
    }

    /// <summary>Triggers <paramref name="count"/> manual runs over HTTP and returns their ids once all have ended.</summary>
    private static async Task<Guid[]> RunAndWaitAsync(IReadOnlyList<ServerProcess> servers, string connection, string workflow, int count)
    {
        var server = servers[0];
        var ids = new Guid[count];
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            // Distinct logical dates: a workflow has one run per logical date.
            var body = new JsonObject { ["logicalDate"] = start.AddSeconds(-i).ToString("O", CultureInfo.InvariantCulture) };
            using var response = await server.Client.PostAsJsonAsync($"/api/v1/workflows/{workflow}/runs", body);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"triggering {workflow}: {(int)response.StatusCode} {text}\n{server.Output}");
            }

            ids[i] = Guid.Parse(JsonNode.Parse(text)!["id"]!.GetValue<string>());
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        while (true)
        {
            var ended = await ScalarAsync<long>(connection, "SELECT count(*) FROM runs WHERE id = ANY(@ids) AND ended_at IS NOT NULL", ids);
            if (ended == count)
            {
                break;
            }

            if (servers.FirstOrDefault(s => s.HasExited) is { } exited)
            {
                throw new InvalidOperationException($"a server exited while {workflow} ran:\n{exited.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }

        var failed = await ScalarAsync<long>(connection, "SELECT count(*) FROM runs WHERE id = ANY(@ids) AND state <> 'succeeded'", ids);
        return failed == 0 ? ids : throw new InvalidOperationException($"{failed} {workflow} run(s) did not succeed");
    }

    /// <summary>Succeeded task instances of the runs and the seconds from the first run's creation to the last run's end.</summary>
    private static async Task<(long Count, double Seconds)> SpanAsync(string connection, Guid[] ids)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            /* bench */ SELECT (SELECT count(*) FROM task_instances WHERE run_id = ANY(@ids) AND state = 'succeeded'),
                   extract(epoch FROM max(ended_at) - min(created_at))::float8
            FROM runs WHERE id = ANY(@ids)
            """, db);
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDouble(1));
    }

    /// <summary>Milliseconds from each upstream attempt's end to its downstream attempt's start, sorted.</summary>
    private static async Task<List<double>> ChainLagsAsync(string connection, Guid run)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            /* bench */ SELECT extract(epoch FROM down.started_at - up.ended_at)::float8 * 1000
            FROM attempts up JOIN attempts down ON down.run_id = up.run_id AND down.number = 1
              AND down.task_id = 't' || lpad((substring(up.task_id FROM 2)::int + 1)::text, 5, '0')
            WHERE up.run_id = @run AND up.number = 1
            ORDER BY 1
            """, db);
        command.Parameters.AddWithValue("run", run);
        var lags = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lags.Add(reader.GetDouble(0));
        }

        return lags;
    }

    // ---------------------------------------------------------------- Hangfire

    private static async Task<Row> HangfireAsync(PostgresCluster cluster, int workers, int jobs, int chain, bool statements)
    {
        // Hangfire runs in this process, so its CPU is this process's (the harness's polling included, a small part).
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        var connection = await cluster.CreateDatabaseAsync("hangfire");
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions());
        var client = new BackgroundJobClient(storage);
        var probe = await DatabaseProbe.StartAsync(connection, statements);

        // Enqueued up front, in parallel, before any worker runs.
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (_, _) =>
        {
            client.Enqueue(() => HangfireJobs.Noop());
            return ValueTask.CompletedTask;
        });

        var seconds = await ProcessAsync(storage, connection, workers, jobs);
        var cpuPerTask = (Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - cpu) / jobs;
        Console.WriteLine($"  Hangfire, {workers} workers: {jobs:N0} jobs in {seconds:F2} s from the first job's processing to the last one's success, " +
                          $"{cpuPerTask:F2} ms of CPU per job (enqueue included)");
        var measured = await probe.ReportAsync(jobs);

        double? p50 = null, p99 = null;
        if (chain > 0)
        {
            var chainConnection = await cluster.CreateDatabaseAsync("hangfire_chain");
            var chainStorage = new PostgreSqlStorage(new NpgsqlConnectionFactory(chainConnection, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions());
            var chainClient = new BackgroundJobClient(chainStorage);
            var parent = chainClient.Enqueue(() => HangfireJobs.Noop());
            for (var i = 1; i < chain; i++)
            {
                parent = chainClient.ContinueJobWith(parent, () => HangfireJobs.Noop());
            }

            await ProcessAsync(chainStorage, chainConnection, workers, chain);
            var lags = await HangfireChainLagsAsync(chainConnection);
            p50 = Percentile(lags, 0.5);
            p99 = Percentile(lags, 0.99);
            Console.WriteLine($"  Hangfire, {workers} workers: {chain:N0} continuations, lag p50 {p50:F1} ms, p99 {p99:F1} ms, max {lags[^1]:F1} ms");
        }

        return new Row("Hangfire",
            $"{workers} workers{(workers == new BackgroundJobServerOptions().WorkerCount ? " (default)" : "")}", jobs / seconds, p50, p99,
            measured.Statements, cpuPerTask, measured.CpuMs, measured.Commits);
    }

    /// <summary>Runs a Hangfire server until <paramref name="jobs"/> jobs succeeded; seconds from the first Processing to the last Succeeded state.</summary>
    private static async Task<double> ProcessAsync(JobStorage storage, string connection, int workers, int jobs)
    {
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers }, storage))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            while (await ScalarAsync<long>(connection, "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded'") < jobs)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
        }

        return await ScalarAsync<double>(connection,
            """
            /* bench */ SELECT extract(epoch FROM max(createdat) FILTER (WHERE name = 'Succeeded') - min(createdat) FILTER (WHERE name = 'Processing'))::float8
            FROM hangfire.state
            """);
    }

    /// <summary>Milliseconds from each job's Succeeded state to its continuation's Processing state, sorted.</summary>
    private static async Task<List<double>> HangfireChainLagsAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            /* bench */ SELECT extract(epoch FROM (SELECT min(createdat) FROM hangfire.state WHERE jobid = down.id AND name = 'Processing')
                                    - (SELECT max(createdat) FROM hangfire.state WHERE jobid = up.id AND name = 'Succeeded'))::float8 * 1000
            FROM hangfire.job up JOIN hangfire.job down ON down.id = up.id + 1
            ORDER BY 1
            """, db);
        var lags = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lags.Add(reader.GetDouble(0));
        }

        return lags;
    }

    private static string Version(Type type) => type.Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "?";

    // ---------------------------------------------------------------- helpers

    private static double Percentile(List<double> sorted, double p)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string LoadAverage() => File.Exists("/proc/loadavg")
        ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "unknown";

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? OptionText(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static async Task<T> ScalarAsync<T>(string connection, string sql, Guid[]? ids = null)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("/* bench */ " + sql, db);
        if (ids is not null)
        {
            command.Parameters.AddWithValue("ids", ids);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// One server node as a process of its own (<c>dotnet Orchestrator.Server.dll</c> from this program's output, a
    /// Release build when the benchmark runs as one), on a loopback port it picks itself and reports on its console.
    /// </summary>
    private sealed partial class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private HttpClient? _client;

        private ServerProcess(Process process) => _process = process;

        public bool HasExited => _process.HasExited;

        public TimeSpan CpuTime
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        public HttpClient Client => _client ?? throw new InvalidOperationException("the node is not ready");

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static ServerProcess Start(string name, string? serverDll, string workingDirectory, IReadOnlyDictionary<string, string> settings)
        {
            var server = serverDll ?? Path.Combine(AppContext.BaseDirectory, "Orchestrator.Server.dll");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { server, "--urls", "http://127.0.0.1:0" })
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orchestrator__", StringComparison.OrdinalIgnoreCase)
                         || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(key);
            }

            // The product as deployed, with warnings only on the console (per-task information lines would measure the console).
            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
            foreach (var (key, value) in settings)
            {
                start.Environment[key] = value;
            }

            var node = new ServerProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
            node._process.OutputDataReceived += (_, e) => node.Append(name, e.Data);
            node._process.ErrorDataReceived += (_, e) => node.Append(name, e.Data);
            node._process.Exited += (_, _) => node._listening.TrySetException(new InvalidOperationException($"{name} exited before listening"));
            node._process.Start();
            node._process.BeginOutputReadLine();
            node._process.BeginErrorReadLine();
            return node;
        }

        public async Task WaitUntilReadyAsync(TimeSpan patience)
        {
            using var deadline = new CancellationTokenSource(patience);
            try
            {
                var address = await _listening.Task.WaitAsync(deadline.Token);
                _client ??= new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
                while (true)
                {
                    try
                    {
                        using var response = await _client.GetAsync("/health/ready", deadline.Token);
                        if (response.IsSuccessStatusCode)
                        {
                            return;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // Listening, not answering yet.
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                throw new InvalidOperationException($"server not ready: {e.Message}\n{Output}", e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _client?.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await ProcessExit.WaitAsync(_process, TimeSpan.FromSeconds(30));
            _process.Dispose();
        }

        private void Append(string name, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Append(name).Append("| ").AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri($"http://127.0.0.1:{match.Groups[1].Value}"));
            }
        }

        [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
        private static partial Regex ListeningLine();
    }
}

/// <summary>The Hangfire job: nothing, like <c>core.noop</c>.</summary>
public static class HangfireJobs
{
    public static void Noop()
    {
    }
}

/// <summary>
/// What the database did during one measurement: statements per task from <c>pg_stat_statements</c> (transaction
/// control included; the harness's own polling excluded), the statements that took the most time, and what the
/// active backends of the database were doing, sampled from <c>pg_stat_activity</c> every 10 ms.
/// </summary>
internal sealed class DatabaseProbe : IAsyncDisposable
{
    private const string Mark = "/* bench */";
    private readonly string _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _waits = [];
    private readonly Task _sampler;
    private int _samples;

    private DatabaseProbe(string connection)
    {
        _connection = connection;
        _sampler = Task.Run(SampleAsync);
    }

    /// <summary>Loads <c>pg_stat_statements</c> into the cluster (a restart); false when the module is not installed.</summary>
    public static async Task<bool> EnableAsync(PostgresCluster cluster)
    {
        var connection = cluster.ConnectionString("postgres");
        await using (var db = new NpgsqlConnection(connection))
        {
            await db.OpenAsync();
            await using var available = new NpgsqlCommand("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'", db);
            if ((long)(await available.ExecuteScalarAsync())! == 0)
            {
                return false;
            }

            await using var command = new NpgsqlCommand("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'", db);
            await command.ExecuteNonQueryAsync();

            // The restart cuts this pool's connections (the only ones opened so far): none may be reused afterwards.
            NpgsqlConnection.ClearPool(db);
        }

        await cluster.StopServerAsync();
        await cluster.StartServerAsync();
        return true;
    }

    /// <summary>Starts counting in the database of <paramref name="connection"/> (statements are counted from now on).</summary>
    public static async Task<DatabaseProbe> StartAsync(string connection, bool statements)
    {
        if (statements)
        {
            await ExecuteAsync(connection, $"{Mark} CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await ExecuteAsync(connection, $"{Mark} SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
        }

        // A backend reports its counters (commits, table rows) when it goes idle, at most once a second, else within 10 s.
        await Task.Delay(StatisticsDelay);
        var before = await Counters.ReadAsync(connection);
        return new DatabaseProbe(connection) { Statements = statements, _before = before, _cpuBefore = ClusterCpu(before.Postmaster) };
    }

    private static readonly TimeSpan StatisticsDelay = TimeSpan.FromSeconds(11);

    private bool Statements { get; init; }

    private Counters? _before;
    private double _cpuBefore;

    /// <summary>What one measurement found per task instance.</summary>
    public sealed record Measured(double? Statements, double? CpuMs, double? Commits);

    /// <summary>Stops sampling and prints what was measured for <paramref name="tasks"/> task instances.</summary>
    public async Task<Measured> ReportAsync(int tasks, string indent = "    ")
    {
        await _stop.CancelAsync();
        await _sampler;
        var before = _before!;
        var cpuMs = (ClusterCpu(before.Postmaster) - _cpuBefore) / tasks;
        await Task.Delay(StatisticsDelay);
        var after = await Counters.ReadAsync(_connection);
        var commits = (after.Commits - before.Commits) / (double)tasks;
        Console.WriteLine($"{indent}database: {cpuMs:F2} ms of CPU per task instance (every process of the cluster), {commits:F2} commits and " +
                          $"{(after.WalBytes - before.WalBytes) / (double)tasks / 1024:F1} KiB of WAL per task instance; rows per task instance " +
                          string.Join(", ", after.Tables.Select(t =>
                          {
                              var (ins, upd, hot) = before.Tables.GetValueOrDefault(t.Key);
                              return $"{t.Key} {(t.Value.Inserted - ins) / (double)tasks:F2} inserted, {(t.Value.Updated - upd) / (double)tasks:F2} updated " +
                                     $"({(t.Value.Hot - hot) / (double)tasks:F2} HOT)";
                          })));
        double? perTask = null;
        if (Statements)
        {
            await using var db = new NpgsqlConnection(_connection);
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"""
                {Mark} SELECT calls, total_exec_time, regexp_replace(query, '\s+', ' ', 'g')
                FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%/* bench */%'
                ORDER BY total_exec_time DESC
                """, db);
            var rows = new List<(long Calls, double Ms, string Query)>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetString(2)));
                }
            }

            perTask = rows.Sum(r => r.Calls) / (double)tasks;
            var shown = Environment.GetEnvironmentVariable("BENCH_STATEMENTS") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 4;
            Console.WriteLine($"{indent}database: {perTask:F1} statements per task instance, {rows.Sum(r => r.Ms) / tasks:F2} ms of statement execution per task instance; most time in:");
            foreach (var (calls, ms, query) in rows.Take(shown))
            {
                Console.WriteLine($"{indent}  {ms / tasks,6:F3} ms/task {calls / (double)tasks,6:F2} calls/task  {(query.Length > 110 ? query[..110] + "…" : query)}");
            }
        }

        if (_samples > 0)
        {
            var total = _waits.Values.Sum();
            Console.WriteLine($"{indent}active backends (mean {total / (double)_samples:F1}) were: " +
                              string.Join(", ", _waits.OrderByDescending(w => w.Value).Take(5).Select(w => $"{w.Key} {100.0 * w.Value / total:F0} %")));
        }

        return new Measured(perTask, cpuMs, commits);
    }

    /// <summary>
    /// Milliseconds of CPU the cluster's processes have used (the postmaster and its children: backends, WAL writer,
    /// checkpointer, autovacuum), from <c>/proc</c>; the probe's own sampling backend is left out.
    /// </summary>
    private static double ClusterCpu(int postmaster)
    {
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == SamplerPid)
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After the name: state (0), ppid (1), … utime (11), stime (12).
                if (pid == postmaster || int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return ticks * 10.0; // USER_HZ is 100 on Linux.
    }

    private static int SamplerPid { get; set; }

    private sealed record Counters(int Postmaster, long Commits, long WalBytes, Dictionary<string, (long Inserted, long Updated, long Hot)> Tables)
    {
        public static async Task<Counters> ReadAsync(string connection)
        {
            await using var db = new NpgsqlConnection(connection);
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"""
                {Mark} SELECT pg_backend_pid(), (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint;
                {Mark} SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
                WHERE relname IN ('task_instances', 'attempts', 'runs', 'job', 'state', 'jobqueue') ORDER BY relname
                """, db);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var backend = reader.GetInt32(0);
            var commits = reader.GetInt64(1);
            var wal = reader.GetInt64(2);
            await reader.NextResultAsync();
            var tables = new Dictionary<string, (long, long, long)>();
            while (await reader.ReadAsync())
            {
                tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }

            var stat = await File.ReadAllTextAsync($"/proc/{backend}/stat");
            var postmaster = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            return new Counters(postmaster, commits, wal, tables);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        try
        {
            // Not pooled: its backend ends with it, so the cluster's CPU after the measurement does not include it.
            await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connection) { Pooling = false }.ConnectionString);
            await db.OpenAsync(_stop.Token);
            SamplerPid = db.ProcessID;
            await using var command = new NpgsqlCommand(
                $"""
                {Mark} SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU'), count(*)
                FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                GROUP BY 1
                """, db);
            while (!_stop.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
                {
                    while (await reader.ReadAsync(_stop.Token))
                    {
                        var key = reader.GetString(0);
                        _waits[key] = _waits.GetValueOrDefault(key) + (int)reader.GetInt64(1);
                    }
                }

                _samples++;
                await Task.Delay(TimeSpan.FromMilliseconds(10), _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
