using Orchestrator.Testing;

namespace Orchestrator.Ui.Tests.Support;

/// <summary>Headless Chromium for the page tests, one for the whole collection.</summary>
public sealed class Browser : IAsyncLifetime
{
    private readonly HeadlessChromium _chromium = new();

    public System.Collections.Concurrent.ConcurrentQueue<string> PageErrors => _chromium.PageErrors;

    public Task<Microsoft.Playwright.IPage> NewPageAsync() => _chromium.NewPageAsync();

    public Task InitializeAsync() => _chromium.StartAsync();

    public async Task DisposeAsync() => await _chromium.DisposeAsync();
}
