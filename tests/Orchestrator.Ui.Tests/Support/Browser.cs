using Orchestrator.Testing;

namespace Orchestrator.Ui.Tests.Support;

/// <summary>Headless Chromium for the page tests, one for the whole collection.</summary>
public sealed class Browser : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public System.Collections.Concurrent.ConcurrentQueue<string> PageErrors => _chromium.PageErrors;

    /// <summary>
    /// A new page, after closing the previous test's: each page holds its live event stream open, and Chromium keeps
    /// at most six connections to one server.
    /// </summary>
    public async Task<Microsoft.Playwright.IPage> NewPageAsync()
    {
        foreach (var old in _chromium.Context.Pages.ToList())
        {
            await old.CloseAsync();
        }

        return await _chromium.NewPageAsync();
    }

    public Task InitializeAsync() => _chromium.StartAsync();

    public async Task DisposeAsync() => await _chromium.DisposeAsync();
}
