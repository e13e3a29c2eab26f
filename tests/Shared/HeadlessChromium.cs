using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Orchestrator.Testing;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright: no browser download, no traffic beyond loopback (the flags
/// stop Chromium's own background requests), a fresh profile each. Page errors (uncaught exceptions)
/// are collected so a test can assert the app did not throw.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly string _profile = Path.Combine(Path.GetTempPath(), "orchestrator-ui-chromium-" + Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;

    public IBrowserContext Context { get; private set; } = null!;

    public ConcurrentQueue<string> PageErrors { get; } = new();

    /// <summary>How long a page action or expectation may take before it fails (the machine may be loaded).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public async Task StartAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the test command installs Debian's chromium (apt-get install chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Flags,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            TimezoneId = "Europe/Paris",
            ColorScheme = ColorScheme.Light,
        });
        Context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        Context.Page += (_, page) => page.PageError += (_, error) => PageErrors.Enqueue(error);
    }

    public Task<IPage> NewPageAsync() => Context.NewPageAsync();

    public async ValueTask DisposeAsync()
    {
        if (Context is not null)
        {
            await Context.CloseAsync();
        }

        _playwright?.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its profile while it exits.
        }
    }
}
