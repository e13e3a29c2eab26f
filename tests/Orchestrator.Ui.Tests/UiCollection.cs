using Orchestrator.Ui.Tests.Support;

namespace Orchestrator.Ui.Tests;

/// <summary>One server and one browser for every page test, run one after the other (each Chromium page is heavy).</summary>
[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiServer>, ICollectionFixture<Browser>
{
    public const string Name = "ui";
}
