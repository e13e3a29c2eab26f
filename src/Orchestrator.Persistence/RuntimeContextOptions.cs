using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Orchestrator.Persistence;

internal static class RuntimeContextOptions
{
    /// <summary>
    /// What a running server needs of EF Core and no more. EF's check that the model has no change missing from the
    /// migrations builds the design-time model and compares it with the snapshot before every migration, at each
    /// start; the tests <c>Model_HasNoPendingChanges…</c> of each provider make that check once, at build time.
    /// </summary>
    public static DbContextOptionsBuilder UseOrchestratorRuntime(this DbContextOptionsBuilder options)
        => options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
}
