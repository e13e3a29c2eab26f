using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Orchestrator.Ui.Tests.Support;

/// <summary>Each end-to-end test leaves a screenshot of its page in tests/Orchestrator.Ui.Tests/TestResults/screenshots.</summary>
public static class Screenshots
{
    public static string Folder { get; } = Path.Combine(UiServer.RepositoryRoot(), "tests", "Orchestrator.Ui.Tests", "TestResults", "screenshots");

    public static async Task TakeAsync(IPage page, [CallerMemberName] string name = "")
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = false });
    }
}
