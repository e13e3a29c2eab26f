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

    /// <summary>What the drawn workflow's file must hold, positions (`ui`) aside.</summary>
    private const string Expected = """
        {
          "$schema": "./workflow.schema.json",
          "id": "designed-etl",
          "tasks": [
            { "id": "log", "activity": "core.log", "with": { "message": "hello from the designer" } },
            { "id": "download", "activity": "data.download", "dependsOn": ["log"], "with": { "url": "file:input.csv", "path": "raw/{{ run.id }}.csv" } },
            { "id": "clean", "activity": "data.clean", "dependsOn": ["download"], "with": { "input": "{{ tasks.download.outputs.path }}", "output": "clean/{{ run.id }}.parquet" } },
            { "id": "load", "activity": "sql.load", "dependsOn": ["clean"], "with": { "path": "{{ tasks.clean.outputs.path }}", "table": "people" } }
          ]
        }
        """;

    [Fact]
    public async Task NewWorkflow_DrawnValidatedSavedAndTestRun_IsOneCleanFileThatTheCliAccepts()
    {
        Directory.CreateDirectory(server.DataDirectory);
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "input.csv"), "name,city\nAda,London\nGrace,Arlington\n");
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/workflows/new").ToString());
        var canvas = page.GetByLabel("Canvas", new() { Exact = true });
        await Expect(canvas).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync("designed-etl");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close settings" }).ClickAsync();

        // hello → download → clean → load: each task dragged from the palette, its inputs filled in its panel.
        async Task DropAsync(string activity, int x, params (string Field, string Value)[] inputs)
        {
            await page.Locator($"[data-activity='{activity}']").DragToAsync(canvas, new() { TargetPosition = new() { X = x, Y = 200 } });
            var panel = page.GetByRole(AriaRole.Complementary).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Level = 2 }) });
            foreach (var (field, value) in inputs)
            {
                await panel.GetByLabel(field, new() { Exact = true }).FillAsync(value);
            }

            await page.GetByRole(AriaRole.Button, new() { Name = "Close task panel" }).ClickAsync();
        }

        await DropAsync("core.log", 120, ("message", "hello from the designer"));
        await DropAsync("data.download", 360);
        await DropAsync("data.clean", 600, ("input", "{{ tasks.download.outputs.path }}"), ("output", "clean/{{ run.id }}.parquet"));
        await DropAsync("sql.load", 840, ("path", "{{ tasks.clean.outputs.path }}"), ("table", "people"));
        foreach (var (from, to) in new[] { ("log", "download"), ("download", "clean"), ("clean", "load") })
        {
            await page.Locator($"[data-task='{from}'] .react-flow__handle.source").DragToAsync(page.Locator($"[data-task='{to}'] .react-flow__handle.target"));
        }

        // The download has no url nor path yet: the server's validation pins the errors on its node, and Save waits.
        var download = page.Locator("[data-task='download']");
        await Expect(download.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("error"));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Problems" })).ToContainTextAsync("[download]");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeDisabledAsync();

        await download.ClickAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Task download" });
        await panel.GetByLabel("url", new() { Exact = true }).FillAsync("file:input.csv");
        await panel.GetByLabel("path", new() { Exact = true }).FillAsync("raw/{{ run.id }}.csv");
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Validation" })).ToHaveTextAsync("valid");
        await Expect(download.GetByRole(AriaRole.Img)).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(page);

        await page.Keyboard.PressAsync("Control+s");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/workflows/designed-etl/edit$"));

        // One clean new file: exactly the expected JSON plus each task's position, valid for `orchestrator validate`.
        var file = Path.Combine(server.WorkflowsDirectory, "designed-etl.json");
        var text = await File.ReadAllTextAsync(file);
        var saved = JsonNode.Parse(text)!.AsObject();
        foreach (var task in saved["tasks"]!.AsArray())
        {
            Assert.NotNull(task!["ui"]!["x"]);
            task.AsObject().Remove("ui");
        }

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Expected), saved), text);
        Assert.StartsWith("{\n  \"$schema\": \"./workflow.schema.json\",\n  \"id\": \"designed-etl\",", text, StringComparison.Ordinal);
        var cli = await CliValidateAsync(file);
        Assert.True(cli.ExitCode == 0, cli.Output);

        // Reopened, the same tasks; a test run of it turns every node green.
        await page.GotoAsync(new Uri(server.Address, "/workflows/designed-etl/edit").ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Validation" })).ToHaveTextAsync("valid");
        await page.GetByRole(AriaRole.Button, new() { Name = "▶ Test run" }).ClickAsync();
        foreach (var task in new[] { "log", "download", "clean", "load" })
        {
            await Expect(page.GetByLabel($"Task {task}: succeeded")).ToBeVisibleAsync();
        }

        Assert.Equal(text, await File.ReadAllTextAsync(file));
        Assert.Empty(browser.PageErrors);
    }

    private static async Task<(int ExitCode, string Output)> CliValidateAsync(string file)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The CLI's own build output, in this build's configuration (…/bin/<configuration>/net10.0/).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        start.ArgumentList.Add(Path.Combine(UiServer.RepositoryRoot(), "src", "Orchestrator.Cli", "bin", configuration, "net10.0", "orchestrator.dll"));
        start.ArgumentList.Add("validate");
        start.ArgumentList.Add(file);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
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
        await UiServer.WaitUntilAsync(
            async () => (await server.Client.GetAsync("/api/v1/workflows/to-rename")).StatusCode == System.Net.HttpStatusCode.OK, "to-rename to load");

        await page.GotoAsync(new Uri(server.Address, "/workflows/to-rename/edit").ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await page.GetByLabel("New id").FillAsync("renamed");
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Rename to-rename" }).GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/workflows/renamed/edit$"));
        await Expect(page.Locator("[data-task='a']")).ToBeVisibleAsync();
        Assert.True(File.Exists(Path.Combine(server.WorkflowsDirectory, "renamed.json")));
        Assert.False(File.Exists(Path.Combine(server.WorkflowsDirectory, "to-rename.json")));

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete workflow" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Delete renamed" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/$"));
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
