using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// The README's install path, as a user takes it: <c>dotnet pack</c> the CLI, <c>dotnet tool install</c> it from the
/// local folder, run it. One pack, for the machine's platform only: slow where the Release build is not there yet
/// (the test command builds it first).
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    /// <summary>
    /// The installed tool on linux-x64 is its extracted files plus the two copies of its package the tool store keeps:
    /// 193 MiB with the web UI (841 MiB with every platform's natives, 230 MiB with three librdkafka builds and the
    /// satellite assemblies). libduckdb.so alone is 57 MiB unpacked and 21 MiB in each package copy; this bound fails when
    /// a dropped file comes back.
    /// </summary>
    private const long MaxInstalledMebibytes = 200;

    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-tool-").FullName;
    private readonly KafkaMockCluster _kafka = KafkaMockCluster.Start(brokers: 1);

    public void Dispose()
    {
        _kafka.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task ToolInstall_FromTheLocalPackage_RunsWorkflows_AndStaysSmall()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var packages = Path.Combine(_work, "packages");
        var toolPath = Path.Combine(_work, "tool");

        var pack = await DotnetAsync(TimeSpan.FromMinutes(25),
            "pack", Path.Combine(CliProcess.RepositoryRoot, "src", "Orchestrator.Cli"), "-c", "Release", "-o", packages,
            $"-p:ToolPackageRuntimeIdentifiers={rid}", "-p:SkipUiBuild=true");
        Assert.True(pack.ExitCode == 0, pack.Stdout + pack.Stderr);
        Assert.Equal(
            new[] { "Orchestrator.Cli.1.0.0.nupkg", $"Orchestrator.Cli.{rid}.1.0.0.nupkg" },
            Directory.GetFiles(packages).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var install = await DotnetAsync(TimeSpan.FromMinutes(5),
            "tool", "install", "Orchestrator.Cli", "--tool-path", toolPath, "--add-source", packages, "--ignore-failed-sources");
        Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);

        var installed = Directory.EnumerateFiles(toolPath, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(installed <= MaxInstalledMebibytes << 20, $"installed tool: {installed >> 20} MiB");
        Assert.Single(Directory.EnumerateFiles(toolPath, "*duckdb*", SearchOption.AllDirectories));
        Assert.Single(Directory.EnumerateFiles(toolPath, "*librdkafka*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(toolPath, "*.resources.dll", SearchOption.AllDirectories));

        var tool = Path.Combine(toolPath, "orchestrator");
        var version = await RunAsync(tool, _work, "--version");
        Assert.True(version.ExitCode == 0, version.Stdout + version.Stderr);
        Assert.StartsWith("1.0.0", version.Stdout, StringComparison.Ordinal);

        var validate = await RunAsync(tool, _work, "validate", Path.Combine(CliProcess.RepositoryRoot, "workflows"));
        Assert.True(validate.ExitCode == 0, validate.Stdout + validate.Stderr);

        // data.transform loads DuckDB's native library from the installed package, kafka.produce its one librdkafka build.
        var topic = _kafka.CreateUniqueTopic(partitions: 1, prefix: "tool");
        var workflow = Path.Combine(_work, "tool-smoke.json");
        await File.WriteAllTextAsync(workflow, """
            {
              "id": "tool-smoke",
              "tasks": [
                { "id": "generate", "activity": "data.generate",
                  "with": { "dataset": "population", "rows": 200, "seed": 4, "path": "census.csv" } },
                { "id": "count", "activity": "data.transform", "dependsOn": ["generate"],
                  "with": { "inputs": { "census": "{{ tasks.generate.outputs.path }}" },
                            "sql": "SELECT age_group, count(*) AS people FROM census GROUP BY age_group",
                            "output": "by-age.csv" } },
                { "id": "publish", "activity": "kafka.produce", "dependsOn": ["generate"],
                  "with": { "topic": "TOPIC", "path": "{{ tasks.generate.outputs.path }}" } }
              ]
            }
            """.Replace("TOPIC", topic, StringComparison.Ordinal));
        var run = await StartAsync(tool, _work, TimeSpan.FromMinutes(2), ["run", workflow, "--output", "json"],
            new Dictionary<string, string> { ["ORCHESTRATOR_CONN_EVENTS"] = $"kafka://{_kafka.BootstrapServers}" });
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var tasks = JsonNode.Parse(run.Stdout)!["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!["outputs"]!);
        Assert.Equal(5, (int?)tasks["count"]["rows"]);
        Assert.Equal(200, (long?)tasks["publish"]["count"]);
    }

    private static Task<CliResult> DotnetAsync(TimeSpan timeout, params string[] args)
        => StartAsync("dotnet", CliProcess.RepositoryRoot, timeout, args);

    private static Task<CliResult> RunAsync(string tool, string workingDirectory, params string[] args)
        => StartAsync(tool, workingDirectory, TimeSpan.FromMinutes(2), args);

    private static async Task<CliResult> StartAsync(
        string fileName, string workingDirectory, TimeSpan timeout, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ORCHESTRATOR_DATA_DIR"] = Path.Combine(workingDirectory, "data");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} still ran after {timeout}: {await stdout}{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
