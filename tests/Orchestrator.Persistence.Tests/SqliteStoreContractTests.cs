using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>The store contract against a freshly migrated SQLite file per test.</summary>
public sealed class SqliteStoreContractTests(TempDirectory directory) : StoreContractTests, IClassFixture<TempDirectory>
{
    protected override async Task<StoreSet> CreateStoresAsync()
    {
        var provider = await SqliteDatabase.OpenAsync(directory.NewDatabasePath());
        return new StoreSet(
            provider.GetRequiredService<IWorkflowVersionStore>(),
            provider.GetRequiredService<IRunStore>(),
            provider.GetRequiredService<ITaskLogStore>(),
            provider.GetRequiredService<IWorkflowStateStore>(),
            provider);
    }
}
