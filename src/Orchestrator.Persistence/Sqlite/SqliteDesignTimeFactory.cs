using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add</c> build the SQLite model; the file named here is never opened by it.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteOrchestratorDbContext>
{
    public SqliteOrchestratorDbContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<SqliteOrchestratorDbContext>().UseSqlite("Data Source=orchestrator.db").Options);
}
