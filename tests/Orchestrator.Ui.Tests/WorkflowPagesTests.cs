using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orchestrator.Ui.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Ui.Tests;

/// <summary>The workflows list, a workflow's grid, and the alerts page.</summary>
[Collection(UiCollection.Name)]
public sealed partial class WorkflowPagesTests(UiServer server, Browser browser)
{
    static WorkflowPagesTests() => SetDefaultExpectTimeout((float)UiServer.Patience.TotalMilliseconds);

    [Fact]
    public async Task WorkflowsPage_ShowsABrokenWorkflowsLocatedError_WhileItsLastGoodVersionStaysActive()
    {
        var file = Path.Combine(server.WorkflowsDirectory, "editable.json");
        await File.WriteAllTextAsync(file, """{ "id": "editable", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        await WaitForWorkflowAsync("editable", errors: 0);
        await File.WriteAllTextAsync(file, """
            {
              "id": "editable",
              "tasks": [
                { "id": "a", "activity": "core.noop" },
                { "id": "b", "activity": "core.noop", "dependsOn": ["missing"] }
              ]
            }
            """);
        await WaitForWorkflowAsync("editable", errors: 1);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());
        var row = page.Locator("[data-workflow='editable']");
        await row.GetByRole(AriaRole.Button, new() { Name = "invalid · 1" }).ClickAsync();

        await Expect(row.GetByRole(AriaRole.List, new() { Name = "Validation errors" })).ToContainTextAsync(new Regex(@"editable\.json:5:\d+: error WF\d+"));
        await Expect(row).ToContainTextAsync("the last good version is still active");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Trigger editable" })).ToBeEnabledAsync();

        // A file that never held a valid workflow has no row: it is listed above the table.
        var invalid = page.GetByRole(AriaRole.Region, new() { Name = "Invalid files" });
        await Expect(invalid).ToContainTextAsync(new Regex(@"broken-example\.json:5:\d+: error WF011"));
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task GridCell_OpensThatTaskInstance()
    {
        var runId = await server.TriggerAndWaitAsync("branching");
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/branching?tab=grid").ToString());

        var grid = page.GetByRole(AriaRole.Grid, new() { Name = "Grid of runs and tasks" });
        await Expect(grid.GetByRole(AriaRole.Gridcell, new() { Name = "full_load: skipped" }).First).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page);
        await grid.GetByRole(AriaRole.Gridcell, new() { Name = "choose: succeeded" }).Last.ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/runs/{runId}\\?task=choose"));
        await Expect(page.GetByRole(AriaRole.Complementary, new() { Name = "Task choose" })).ToBeVisibleAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task AlertsPage_ShowsTheSentAlertOfAFailedRun_AndSendsATest()
    {
        var before = (await server.Inbox.WaitForMessagesAsync(0, TimeSpan.Zero)).Count;
        var runId = await server.TriggerAndWaitAsync("always-fails");
        await server.Inbox.WaitForMessagesAsync(before + 1, UiServer.Patience);
        // The message reaches the inbox before the dispatcher records the delivery as sent: the page is opened once
        // it is recorded (a page opened before shows it pending until its next read; see the test below).
        await UiServer.WaitUntilAsync(async () => (await RunFailedAlertsAsync(runId)).Any(a => (string?)a!["state"] == "sent"),
            $"the run_failed alert of run {runId} to be recorded as sent");

        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/alerts?workflow=always-fails").ToString());
        var history = page.GetByRole(AriaRole.Table, new() { Name = "Alert history" });
        var row = history.GetByRole(AriaRole.Row).Filter(new() { HasText = "run_failed" });
        await Expect(row).ToContainTextAsync("email:data-team");
        await Expect(row).ToContainTextAsync("sent");

        await page.GetByRole(AriaRole.Button, new() { Name = "Send test to email:data-team" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Test message" })).ToContainTextAsync("email:data-team");
        await server.Inbox.WaitForMessagesAsync(before + 2, UiServer.Patience);
        await Screenshots.TakeAsync(page);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task AlertsPage_ShowsADeliveryThatFailed_AndThenItsRetrySent_WithoutAReload()
    {
        await server.Inbox.StopAsync();
        try
        {
            var runId = await server.TriggerAndWaitAsync("alert-outage");
            await UiServer.WaitUntilAsync(
                async () => (await RunFailedAlertsAsync(runId)).Any(a => (string?)a!["state"] == "pending" && a["lastError"] is not null),
                $"the first delivery of run {runId}'s alert to fail");

            var page = await browser.NewPageAsync();
            await page.GotoAsync(new Uri(server.Address, "/alerts?workflow=alert-outage").ToString());
            var shortId = runId.Replace("-", "", StringComparison.Ordinal)[^8..];
            var row = page.GetByRole(AriaRole.Table, new() { Name = "Alert history" }).GetByRole(AriaRole.Row)
                .Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = shortId, Exact = true }) });
            await Expect(row).ToContainTextAsync("pending");

            // The SMTP server is back: the retry (10 s later) delivers, and the open page shows it.
            await server.Inbox.StartAsync();
            await Expect(row).ToContainTextAsync("sent");
            await Screenshots.TakeAsync(page);
            Assert.Empty(browser.PageErrors);
        }
        finally
        {
            await server.Inbox.StartAsync();
        }
    }

    private async Task<JsonArray> RunFailedAlertsAsync(string runId)
        => (await server.Client.GetFromJsonAsync<JsonObject>($"/api/v1/alerts?runId={runId}&event=run_failed"))!["items"]!.AsArray();

    private Task WaitForWorkflowAsync(string workflowId, int errors) => UiServer.WaitUntilAsync(
        async () => (await server.Client.GetFromJsonAsync<JsonArray>("/api/v1/workflows"))!.Any(w => (string?)w!["id"] == workflowId && (int?)w["errorCount"] == errors),
        $"{workflowId} to show {errors} error(s)");
}
