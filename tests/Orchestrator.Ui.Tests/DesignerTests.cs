using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orchestrator.Ui.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Ui.Tests;

/// <summary>Drawing a workflow in the designer and saving it to the workflows folder.</summary>
[Collection(UiCollection.Name)]
public sealed class DesignerTests(UiServer server, Browser browser)
{
    static DesignerTests() => SetDefaultExpectTimeout((float)UiServer.Patience.TotalMilliseconds);

    [Fact]
    public async Task NewWorkflow_DrawnFromThePalette_ValidatedWhileEditing_IsSavedToTheFolder()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/new").ToString());
        var canvas = page.GetByLabel("Canvas", new() { Exact = true });
        await Expect(canvas).ToBeVisibleAsync();

        // Name it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync("designed-etl");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close settings" }).ClickAsync();

        // Two tasks dragged from the palette, connected handle to handle.
        await page.Locator("[data-activity='core.log']").DragToAsync(canvas, new() { TargetPosition = new() { X = 200, Y = 160 } });
        await page.GetByLabel("message").FillAsync("hello from the designer");
        await page.Locator("[data-activity='data.download']").DragToAsync(canvas, new() { TargetPosition = new() { X = 520, Y = 160 } });
        await page.Locator("[data-task='log'] .react-flow__handle.source").DragToAsync(page.Locator("[data-task='download'] .react-flow__handle.target"));

        // The download has no url nor path yet: the server's validation pins the errors on its node.
        var download = page.Locator("[data-task='download']");
        await Expect(download.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("error"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeDisabledAsync();

        await download.ClickAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Task download" });
        await panel.GetByLabel("url", new() { Exact = true }).FillAsync("file:input.csv");
        await panel.GetByLabel("path", new() { Exact = true }).FillAsync("raw/{{ run.id }}.csv");
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Validation" })).ToHaveTextAsync("valid");
        await Expect(download.GetByRole(AriaRole.Img)).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page);

        await page.Keyboard.PressAsync("Control+s");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/workflows/designed-etl/edit$"));

        var file = Path.Combine(server.WorkflowsDirectory, "designed-etl.json");
        var saved = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        Assert.Equal("designed-etl", (string?)saved["id"]);
        var tasks = saved["tasks"]!.AsArray();
        Assert.Equal(["log", "download"], tasks.Select(t => (string)t!["id"]!));
        Assert.Equal("hello from the designer", (string?)tasks[0]!["with"]!["message"]);
        Assert.Equal(["log"], tasks[1]!["dependsOn"]!.AsArray().Select(d => (string)d!));
        Assert.Equal("file:input.csv", (string?)tasks[1]!["with"]!["url"]);
        Assert.Equal("raw/{{ run.id }}.csv", (string?)tasks[1]!["with"]!["path"]);
        Assert.All(tasks, t => Assert.NotNull(t!["ui"]!["x"]));

        // The file on disk is valid for the same validator `orchestrator validate` runs.
        using var check = new StringContent(await File.ReadAllTextAsync(file), System.Text.Encoding.UTF8, "application/json");
        var validation = await (await server.Client.PostAsync("/api/v1/validate", check)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.True((bool)validation!["valid"]!, validation.ToJsonString());

        // Reopened, the designer shows the same tasks.
        await page.GotoAsync(new Uri(server.Address, "/workflows/designed-etl/edit").ToString());
        await Expect(page.Locator("[data-task='log']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-task='download']")).ToBeVisibleAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task TestRun_RunsTheUnsavedDraft_AndTheCanvasTurnsGreenLive()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/new?template=retry-demo").ToString());
        await Expect(page.Locator("[data-task='flaky']")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Validation" })).ToHaveTextAsync("valid");

        await page.GetByRole(AriaRole.Button, new() { Name = "▶ Test run" }).ClickAsync();

        foreach (var task in new[] { "flaky", "load", "cleanup" })
        {
            await Expect(page.GetByLabel($"Task {task}: succeeded")).ToBeVisibleAsync();
        }

        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Test run state: succeeded" })).ToBeVisibleAsync();
        await page.Locator("[data-task='flaky']").ClickAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Task flaky" });
        await Expect(panel.GetByRole(AriaRole.Log, new() { Name = "Log lines" })).ToContainTextAsync("upstream API returned 503");
        await Screenshots.TakeAsync(page);

        Assert.False(File.Exists(Path.Combine(server.WorkflowsDirectory, "retry-demo-copy.json")));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task JsonView_EditedInMonaco_TheCanvasFollows_AndUndoGoesBack()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/branching/edit").ToString());
        await Expect(page.Locator("[data-task='publish']")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "JSON", Exact = true }).ClickAsync();
        var view = page.GetByRole(AriaRole.Region, new() { Name = "JSON view" });
        await Expect(view.Locator(".monaco-editor")).ToBeVisibleAsync();

        // Rename the join task in the text with the editor's own find and replace (Ctrl+H, replace all).
        await view.Locator(".monaco-editor .view-lines").ClickAsync();
        await page.Keyboard.PressAsync("Control+h");
        await page.Keyboard.TypeAsync("\"publish\"");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("\"announce\"");
        await page.Keyboard.PressAsync("Control+Alt+Enter");

        await Expect(page.Locator("[data-task='announce']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-task='publish']")).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.Locator("[data-task='publish']")).ToBeVisibleAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task RenameAndDelete_MoveTheFile_AndDeleteKeepsItInTheHistory()
    {
        await File.WriteAllTextAsync(Path.Combine(server.WorkflowsDirectory, "to-rename.json"), """{ "id": "to-rename", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var page = await browser.NewPageAsync();
        var deadline = DateTime.UtcNow + UiServer.Patience;
        while ((await server.Client.GetAsync("/api/v1/workflows/to-rename")).StatusCode != System.Net.HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await page.GotoAsync(new Uri(server.Address, "/workflows/to-rename/edit").ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await page.GetByLabel("New id").FillAsync("renamed");
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Rename to-rename" }).GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/workflows/renamed/edit$"));
        await Expect(page.Locator("[data-task='a']")).ToBeVisibleAsync();
        Assert.True(File.Exists(Path.Combine(server.WorkflowsDirectory, "renamed.json")));
        Assert.False(File.Exists(Path.Combine(server.WorkflowsDirectory, "to-rename.json")));

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete workflow" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Delete renamed" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/$"));
        Assert.False(File.Exists(Path.Combine(server.WorkflowsDirectory, "renamed.json")));
        Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "workflow-history"), "renamed-*.json"));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Paste_AddsATaskCopiedFromAnotherWorkflow_AndUndoRemovesIt()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/retry-demo/edit").ToString());
        await Expect(page.Locator("[data-task='flaky']")).ToBeVisibleAsync();

        var hello = await server.Client.GetFromJsonAsync<JsonObject>("/api/v1/workflows/hello-world");
        var greet = hello!["definition"]!["tasks"]!.AsArray().First(t => (string?)t!["id"] == "greet")!.ToJsonString();
        await page.EvaluateAsync("""
            text => {
              const data = new DataTransfer();
              data.setData("text/plain", text);
              document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
            }
            """, greet);

        await Expect(page.Locator("[data-task='greet']")).ToBeVisibleAsync();
        await Expect(page.GetByText("unsaved")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Expect(page.Locator("[data-task='greet']")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Expect(page.Locator("[data-task='greet']")).ToBeVisibleAsync();
        Assert.Empty(browser.PageErrors);
    }
}
