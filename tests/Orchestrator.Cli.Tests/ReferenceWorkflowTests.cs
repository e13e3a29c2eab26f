using System.Text.Json.Nodes;
using Npgsql;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary>Every workflow of the repository runs to succeeded with <c>orchestrator run</c> on the embedded default, as on a fresh clone.</summary>
public sealed class ReferenceWorkflowTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-reference-").FullName;

    // The CLI runs in its own process: this one holds no connection to the files of the directory.
    public void Dispose() => Directory.Delete(_work, recursive: true);

    public static TheoryData<string> Workflows() => new(Directory
        .GetFiles(Path.Combine(CliProcess.RepositoryRoot, "workflows"), "*.json")
        .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal))
        .Select(Path.GetFileName)
        .Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Workflows))]
    public async Task Run_Succeeds_OnTheEmbeddedDefault(string file)
    {
        var result = await CliProcess.RunAsync(_work, "run", Path.Combine(CliProcess.RepositoryRoot, "workflows", file), "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("succeeded", (string?)JsonNode.Parse(result.Stdout)!["state"]);
    }

    [Fact]
    public async Task PopulationCubes_Succeeds_OnPostgreSql_WithThePeopleAndEveryCubeCell()
    {
        var connectionString = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("cubes");
        var uri = PostgresCluster.UriOf(connectionString);

        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["ORCHESTRATOR_CONN_WAREHOUSE"] = uri },
            "run", Path.Combine(CliProcess.RepositoryRoot, "workflows", "population-cubes.json"), "-p", "people=1500", "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var tasks = JsonNode.Parse(result.Stdout)!["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!["outputs"]!);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        long Count(string sql)
        {
            using var command = new NpgsqlCommand(sql, db);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        var people = Count("SELECT COUNT(*) FROM population_enriched");
        Assert.InRange(people, 1400, 1500);
        Assert.Equal(people, Count("SELECT COUNT(DISTINCT person_id) FROM population_enriched"));
        Assert.Equal((long)tasks["load_cubes"]["rowsLoaded"]!, Count("SELECT COUNT(*) FROM population_cubes"));

        // The grand total of the cube (every dimension NULL) counts everyone; each age group's total adds up to it.
        Assert.Equal(people, Count("SELECT people FROM population_cubes WHERE age_group IS NULL AND sector IS NULL AND neighbourhood IS NULL"));
        Assert.Equal(people, Count("SELECT SUM(people) FROM population_cubes WHERE age_group IS NOT NULL AND sector IS NULL AND neighbourhood IS NULL"));
    }
}
