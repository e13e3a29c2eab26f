using System.Diagnostics;
using System.Globalization;
using System.Reflection.PortableExecutable;
using Orchestrator.Testing;

/// <summary>
/// Start-up and idle memory of the server as deployed: the Release <c>Orchestrator.Server.dll</c> started as a
/// process of its own on a fresh SQLite data directory, with the repository's <c>workflows/</c> (copied) and with an
/// empty folder. Prints the time from process start to the first 200 from <c>/health/ready</c> (and the CPU time it
/// took) and the resident set
/// (<c>VmRSS</c> of <c>/proc/&lt;pid&gt;/status</c>) after 10 s idle. Goals: ready in at most 2 s, at most 150 MB idle
/// with the repository's workflows. With <c>--published DIR</c> (a <c>dotnet publish</c> for this machine's runtime,
/// ReadyToRun as in the image; <c>tests/bench.sh</c> makes one) the published server is measured beside the build
/// output that <c>dotnet run</c> starts, and the assemblies the publish precompiled are listed.
/// </summary>
internal static class ServerStartBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var repetitions = Option(args, "--repeat") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 3;
        var servers = new List<(string Name, string Directory)> { ("build output, JIT (dotnet run)", AppContext.BaseDirectory) };
        if (Option(args, "--published") is { } published)
        {
            servers.Add(("published, ReadyToRun (the image)", Path.GetFullPath(published)));
            var precompiled = PrecompiledAssemblies(published);
            Console.WriteLine($"The publish precompiles {precompiled.Count} assemblies (ReadyToRun): {string.Join(", ", precompiled)}");
        }

        var repository = FindRepository();
        var workflows = Directory.GetFiles(Path.Combine(repository, "workflows"), "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"Server start-up (Release, fresh SQLite data directory; {Environment.ProcessorCount} cores, .NET {Environment.Version}; {repetitions} starts each)");
        foreach (var (server, directory) in servers)
        foreach (var (folder, files) in new[] { ($"the repository's workflows/ ({workflows.Count} workflows)", workflows), ("an empty workflows folder", []) })
        {
            var name = $"{server}, {folder}";
            var ready = new List<double>();
            var cpu = new List<double>();
            var rss = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                var (seconds, cpuSeconds, megabytes) = await StartOnceAsync(directory, files);
                ready.Add(seconds);
                cpu.Add(cpuSeconds);
                rss.Add(megabytes);
            }

            ready.Sort();
            cpu.Sort();
            rss.Sort();
            Console.WriteLine($"  {name}: ready in {ready[ready.Count / 2]:F2} s (min {ready[0]:F2}, max {ready[^1]:F2}), " +
                              $"{cpu[cpu.Count / 2]:F2} s of CPU until then; RSS after 10 s idle {rss[rss.Count / 2]:F0} MB (min {rss[0]:F0}, max {rss[^1]:F0}); " +
                              $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
    }

    /// <summary>The assemblies of a publish that carry ReadyToRun code (a managed native header), by file name.</summary>
    private static List<string> PrecompiledAssemblies(string directory)
    {
        var names = new List<string>();
        foreach (var file in Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(file);
            using var reader = new PEReader(stream);
            if (reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 })
            {
                names.Add(Path.GetFileNameWithoutExtension(file));
            }
        }

        return names;
    }

    private static string? Option(string[] args, string name)
        => args.Zip(args.Skip(1)).FirstOrDefault(pair => pair.First == name).Second;

    private static async Task<(double ReadySeconds, double CpuSeconds, double RssMegabytes)> StartOnceAsync(string server, IReadOnlyList<string> workflows)
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-start-bench-").FullName;
        var folder = Directory.CreateDirectory(Path.Combine(root, "workflows")).FullName;
        foreach (var file in workflows)
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(server, "Orchestrator.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orchestrator__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Orchestrator__DataDirectory"] = Path.Combine(root, "data");
        start.Environment["Orchestrator__WorkflowsDirectory"] = folder;

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the server exited with {process.ExitCode} before it was ready");
                }

                if (watch.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException("the server was not ready within 2 minutes");
                }

                try
                {
                    using var response = await http.GetAsync("/health/ready");
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(10);
            }

            var ready = watch.Elapsed.TotalSeconds;
            var cpu = CpuSeconds(process.Id);
            await Task.Delay(TimeSpan.FromSeconds(10));
            return (ready, cpu, ResidentMegabytes(process.Id));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// User and system CPU time of the process (fields 14 and 15 of <c>/proc/&lt;pid&gt;/stat</c>, in the kernel's
    /// USER_HZ of 100 ticks a second): on a loaded machine the wall time to ready says more about the other processes.
    /// </summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary><c>VmRSS</c> of <c>/proc/&lt;pid&gt;/status</c>, in MB (10^6 bytes).</summary>
    private static double ResidentMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kilobytes * 1024 / 1e6;
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orchestrator.sln")) && Directory.Exists(Path.Combine(directory.FullName, "workflows")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository (Orchestrator.sln and workflows/) was not found above the benchmark's output");
    }
}
