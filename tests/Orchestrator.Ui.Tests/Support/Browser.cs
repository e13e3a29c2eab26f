using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Orchestrator.Ui.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright: no browser download, no traffic beyond loopback (the flags
/// stop Chromium's own background requests), a fresh profile per test class. Page errors (uncaught exceptions)
/// are collected so a test can assert the app did not throw.
/// </summary>
public sealed class Browser : IAsyncLifetime
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

    public async Task InitializeAsync()
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
        Context.SetDefaultTimeout((float)UiServer.Patience.TotalMilliseconds);
        Context.Page += (_, page) => page.PageError += (_, error) => PageErrors.Enqueue(error);
    }

    public async Task<IPage> NewPageAsync()
    {
        var page = await Context.NewPageAsync();
        page.PageError += (_, error) => PageErrors.Enqueue(error);
        return page;
    }

    public async Task DisposeAsync()
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
