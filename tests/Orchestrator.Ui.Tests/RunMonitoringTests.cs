using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orchestrator.Ui.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Ui.Tests;

/// <summary>Watching runs in the browser: trigger from the form, live states, logs, cancel, clear.</summary>
[Collection(UiCollection.Name)]
public sealed partial class RunMonitoringTests(UiServer server, Browser browser)
{
    static RunMonitoringTests() => SetDefaultExpectTimeout((float)UiServer.Patience.TotalMilliseconds);

    [Fact]
    public async Task TriggerForm_StartsARunThatTurnsGreenLive_AndTheFlakyLogShowsItsRetries()
    {
        var page = await browser.NewPageAsync();
        var documents = 0;
        page.Request += (_, request) => documents += request.ResourceType == "document" ? 1 : 0;
        await page.GotoAsync(server.Address.ToString());

        var row = page.Locator("[data-workflow='retry-demo']");
        await row.GetByRole(AriaRole.Button, new() { Name = "Trigger retry-demo" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Trigger retry-demo" });
        await dialog.GetByLabel("failures").FillAsync("1");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Trigger run" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(RunUrl());
        var runId = RunUrl().Match(page.Url).Groups[1].Value;
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Run state: succeeded" })).ToBeVisibleAsync();
        Assert.Equal(1, documents);

        // The run really took the param: one failed attempt, then success.
        var run = await server.Client.GetFromJsonAsync<JsonObject>($"/api/v1/runs/{runId}");
        Assert.Equal(1, (int)run!["run"]!["params"]!["failures"]!);

        await page.GetByRole(AriaRole.Button, new() { Name = "Task flaky: succeeded" }).ClickAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Task flaky" });
        var attempts = panel.GetByRole(AriaRole.Table, new() { Name = "Attempts" });
        await Expect(attempts.GetByRole(AriaRole.Button, new() { Name = "Attempt 1" })).ToBeVisibleAsync();
        await Expect(attempts.GetByRole(AriaRole.Button, new() { Name = "Attempt 2" })).ToBeVisibleAsync();
        await Expect(attempts).ToContainTextAsync("upstream API returned 503");
        var second = attempts.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Attempt 2" }) });
        await Expect(second).ToContainTextAsync("succeeded");

        // The failed first attempt's error is in the log, marked with its attempt number.
        var log = panel.GetByRole(AriaRole.Log, new() { Name = "Log lines" });
        await Expect(log).ToContainTextAsync(new Regex("#1.*upstream API returned 503"));
        await Expect(panel.GetByRole(AriaRole.Group).Filter(new() { HasText = "Rendered inputs" })).ToContainTextAsync("\"failAttempts\": 1");

        var download = await page.RunAndWaitForDownloadAsync(() => panel.GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        var text = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("upstream API returned 503", text, StringComparison.Ordinal);
        Assert.Contains("/runs/" + runId, page.Url, StringComparison.Ordinal);
        Assert.Contains("task=flaky", page.Url, StringComparison.Ordinal);
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task CancelButton_EndsALongRun_AndItsWaitingTask()
    {
        var runId = await server.TriggerAsync("long-sleep");
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, $"/runs/{runId}?view=graph").ToString());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Task sleep: running" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Run state: cancelled" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Task after: cancelled" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToBeDisabledAsync();
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task ClearTask_RunsTheTaskAgain_WithASecondAttempt()
    {
        var runId = await server.TriggerAsync("hello-world");
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, $"/runs/{runId}?task=disk").ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Run state: succeeded" })).ToBeVisibleAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Task disk" });
        await Expect(panel.GetByRole(AriaRole.Button, new() { Name = "Attempt 1" })).ToBeVisibleAsync();

        await panel.GetByRole(AriaRole.Button, new() { Name = "Clear task" }).ClickAsync();

        await Expect(panel.GetByRole(AriaRole.Button, new() { Name = "Attempt 2" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Run state: succeeded" })).ToBeVisibleAsync();
        await Expect(panel.GetByRole(AriaRole.Status, new() { Name = "Task state: succeeded" })).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }

    [GeneratedRegex("/runs/([0-9a-f-]{36})")]
    private static partial Regex RunUrl();
}
