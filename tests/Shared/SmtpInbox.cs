using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace Orchestrator.Testing;

/// <summary>
/// A real SMTP server on loopback that delivers into a Maildir: aiosmtpd (Debian's <c>python3-aiosmtpd</c>) with its
/// Mailbox handler, on a free port of 127.0.0.1, plain text (channels use <c>tls=none</c>, no user). It can be stopped
/// and started again on the same port and folder, for outage tests. Messages are read back with MimeKit.
/// </summary>
public sealed class SmtpInbox : IAsyncDisposable
{
    // Debian's interpreter: the one on PATH may be another without the package.
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly FileSystemWatcher _watcher;
    private readonly SemaphoreSlim _changed = new(0);
    private Process? _process;

    private SmtpInbox(int port, string folder)
    {
        Port = port;
        Folder = folder;
        foreach (var sub in new[] { "new", "cur", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
        }

        _watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true };
        _watcher.Created += (_, _) => _changed.Release();
        _watcher.Renamed += (_, _) => _changed.Release();
        try
        {
            _watcher.EnableRaisingEvents = true;
        }
        catch (IOException)
        {
            // Out of inotify instances: WaitForMessagesAsync still looks again every second.
        }
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The Maildir (<c>new/</c>, <c>cur/</c>, <c>tmp/</c>).</summary>
    public string Folder { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A channel URI for this server: <c>smtp://127.0.0.1:PORT?tls=none&amp;from=...&amp;to=...</c>.</summary>
    public string ChannelUri(string from, params string[] to)
        => $"smtp://{Host}:{Port}?tls=none&from={Uri.EscapeDataString(from)}&to={string.Join(",", to.Select(Uri.EscapeDataString))}";

    /// <summary>The configuration settings of an e-mail channel <paramref name="name"/> on this server.</summary>
    public Dictionary<string, string?> ChannelSettings(string name, string from, params string[] to)
    {
        var prefix = $"Orchestrator:Alerts:Channels:{name}:";
        return new Dictionary<string, string?>
        {
            [prefix + "type"] = "email",
            [prefix + "host"] = Host,
            [prefix + "port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [prefix + "tls"] = "none",
            [prefix + "from"] = from,
            [prefix + "to"] = string.Join(",", to),
        };
    }

    /// <summary>Starts a server on a free port with an empty Maildir of its own.</summary>
    public static async Task<SmtpInbox> StartNewAsync()
    {
        var inbox = new SmtpInbox(LoopbackPorts.Free(), Directory.CreateTempSubdirectory("orchestrator-smtp-").FullName);
        await inbox.StartAsync();
        return inbox;
    }

    /// <summary>Starts the server (again), on the same port and folder; returns when the port accepts connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"{Host}:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Folder })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start");
        _process = process;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();

        using var deadline = new CancellationTokenSource(StartTimeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"aiosmtpd exited with {process.ExitCode} (is python3-aiosmtpd installed?): {await stderr}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: the next try waits for the exit or the deadline, not a fixed time.
                await Task.WhenAny(process.WaitForExitAsync(deadline.Token), Task.Delay(50, deadline.Token));
            }
            catch (OperationCanceledException)
            {
                await StopAsync();
                throw new TimeoutException($"aiosmtpd did not accept connections on {Host}:{Port} within {StartTimeout}");
            }
        }
    }

    /// <summary>Stops the server; the port refuses connections afterwards, the Maildir stays.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await ProcessExit.WaitAsync(process, StartTimeout);
        process.Dispose();
    }

    /// <summary>The delivered messages (<c>new/</c> and <c>cur/</c>), oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
        => new[] { "new", "cur" }
            .SelectMany(sub => new DirectoryInfo(Path.Combine(Folder, sub)).GetFiles())
            .OrderBy(f => f.LastWriteTimeUtc)
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f.FullName))
            .ToArray();

    /// <summary>Waits until at least <paramref name="count"/> messages were delivered; throws a <see cref="TimeoutException"/> otherwise.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var messages = Messages();
            if (messages.Count >= count)
            {
                return messages;
            }

            try
            {
                // Woken by the watcher; the second bound only covers a lost file-system event.
                await _changed.WaitAsync(TimeSpan.FromSeconds(1), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Messages().Count} of {count} messages arrived in {Folder} within {timeout}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _watcher.Dispose();
        _changed.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
