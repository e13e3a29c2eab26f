using Microsoft.EntityFrameworkCore;

namespace Orchestrator.Persistence;

/// <summary>Hands out a provider's context as the provider-neutral one the stores work with.</summary>
internal sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<OrchestratorDbContext>
    where TContext : OrchestratorDbContext
{
    public OrchestratorDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<OrchestratorDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        => await inner.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
}
