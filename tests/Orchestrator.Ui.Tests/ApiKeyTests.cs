using Microsoft.Playwright;
using Orchestrator.Ui.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Ui.Tests;

/// <summary>A server that requires API keys: the header asks for one, and a viewer's key cannot press an operator's buttons.</summary>
[Collection(UiCollection.Name)]
public sealed class ApiKeyTests(KeyedUiServer server, Browser browser) : IClassFixture<KeyedUiServer>
{
    static ApiKeyTests() => SetDefaultExpectTimeout((float)UiServer.Patience.TotalMilliseconds);

    [Fact]
    public async Task KeyPrompt_AsksForAKey_AndAViewersKeyLeavesOperatorButtonsDisabledWithATooltip()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());

        await Expect(page.GetByText("This server needs an API key.")).ToBeVisibleAsync();
        await page.GetByLabel("API key", new() { Exact = true }).FillAsync(KeyedUiServer.ViewerKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();

        var trigger = page.Locator("[data-workflow='retry-demo']").GetByRole(AriaRole.Button, new() { Name = "Trigger retry-demo" });
        await Expect(trigger).ToBeDisabledAsync();
        await Expect(trigger).ToHaveAttributeAsync("title", "needs an operator key (this key is viewer)");
        await Expect(page.GetByLabel("Server", new() { Exact = true })).ToContainTextAsync("viewer");
        Assert.Equal(KeyedUiServer.ViewerKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('orchestrator.apiKey')"));

        // The key lives for the tab: a reload keeps it, and the page still loads.
        await page.ReloadAsync();
        await Expect(trigger).ToBeDisabledAsync();
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }
}
