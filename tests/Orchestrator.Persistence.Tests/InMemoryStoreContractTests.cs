using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>The reference behaviour: the contract must hold for the in-memory store first.</summary>
public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override Task<StoreSet> CreateStoresAsync()
    {
        var store = new InMemoryStore();
        return Task.FromResult(new StoreSet(store, store, store, store));
    }
}
