using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>The store contract against a freshly migrated PostgreSQL database per test.</summary>
public sealed class PostgresStoreContractTests : StoreContractTests
{
    protected override async Task<StoreSet> CreateStoresAsync()
    {
        var provider = await PostgresDatabase.OpenAsync();
        return new StoreSet(
            provider.GetRequiredService<IWorkflowVersionStore>(),
            provider.GetRequiredService<IRunStore>(),
            provider.GetRequiredService<ITaskLogStore>(),
            provider.GetRequiredService<IWorkflowStateStore>(),
            provider);
    }
}
