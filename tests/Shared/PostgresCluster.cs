using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Orchestrator.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster from the machine's own binaries (Debian's <c>postgresql</c> package): initdb in a
/// temporary directory, a free loopback port, a private socket directory, no fsync. One per test process, started
/// on first use and stopped when the process exits; every test class takes a database of its own from it. A test
/// that takes the server away (an outage) starts a cluster of its own with <see cref="StartOwnAsync"/>.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresCluster>> SharedCluster = new(() => OperatingSystem.IsWindows()
        ? throw new PlatformNotSupportedException("the PostgreSQL fixture runs Debian's binaries")
        : StartAsync());
    private readonly string _root;
    private readonly string _bin;

    private PostgresCluster(string root, string bin, int port)
    {
        _root = root;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The cluster of this test process.</summary>
    public static Task<PostgresCluster> SharedAsync() => SharedCluster.Value;

    /// <summary>A cluster for this caller alone, which it may stop and start again; disposing it removes it.</summary>
    public static Task<PostgresCluster> StartOwnAsync() => OperatingSystem.IsWindows()
        ? throw new PlatformNotSupportedException("the PostgreSQL fixture runs Debian's binaries")
        : StartAsync();

    /// <summary>Stops the server (connections cut, as when a database host goes away); <see cref="StartServerAsync"/> brings it back.</summary>
    public Task StopServerAsync() => RunAsync(_bin, "pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"]);

    /// <summary>Starts the stopped server again, on the same port, with the same data.</summary>
    public Task StartServerAsync() => StartServerAsync(_bin, _root, Port);

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix.Length, 30); // PostgreSQL names are at most 63 bytes
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>A connection string as the <c>postgresql://</c> URI that <c>ORCHESTRATOR_CONN_&lt;NAME&gt;</c> takes.</summary>
    public static string UriOf(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password ?? "")}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        MaxPoolSize = 50,
        Timeout = 30,
    }.ToString();

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBinaries();
        var root = Path.Combine(Path.GetTempPath(), "orchestrator-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0x1FF); // the postgres user owns what it creates inside
        var data = Path.Combine(root, "data");
        var port = FreePort();

        await RunAsync(bin, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        await StartServerAsync(bin, root, port);

        var cluster = new PostgresCluster(root, bin, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        await StartWatchdogAsync(bin, root);
        return cluster;
    }

    /// <summary>
    /// The test runner kills a test process that does not exit soon enough after its tests, and then its exit handler
    /// never stops the cluster, whose server (a daemon of its own) would run on. A detached shell, orphaned so that
    /// killing the process tree does not reach it, waits for this process to end and then stops the cluster and removes
    /// its folder; after a normal exit it finds the folder gone and does nothing.
    /// </summary>
    private static async Task StartWatchdogAsync(string bin, string root)
    {
        var pgCtl = Path.Combine(bin, "pg_ctl");
        var stop = Environment.UserName == "root" ? $"runuser -u postgres -- '{pgCtl}'" : $"'{pgCtl}'";
        var watch = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; " +
                    $"[ -d '{root}' ] || exit 0; {stop} -D '{Path.Combine(root, "data")}' -m immediate -w stop; rm -rf '{root}'";
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", "setsid sh -c \"$1\" </dev/null >/dev/null 2>&1 &", "watchdog", watch })
        {
            start.ArgumentList.Add(arg);
        }

        using var launcher = Process.Start(start)!;
        await launcher.WaitForExitAsync();
    }

    private static Task StartServerAsync(string bin, string root, int port)
        => RunAsync(bin, "pg_ctl", ["-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o",
            $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            "start"]);

    private void Stop()
    {
        if (!Directory.Exists(_root))
        {
            return;
        }

        try
        {
            RunAsync(_bin, "pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Stopped already (a test took it down).
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a stopping backend: the temporary directory is left to the system.
            }
        }
    }

    /// <summary>Runs a PostgreSQL program, as the <c>postgres</c> user when we are root (the server refuses root).</summary>
    private static async Task RunAsync(string bin, string program, IReadOnlyList<string> args)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(bin, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", Path.Combine(bin, program) })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql: install the postgresql package (tests/run.sh does).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
