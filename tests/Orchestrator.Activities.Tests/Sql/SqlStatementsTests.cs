using Orchestrator.Activities.Sql;

namespace Orchestrator.Activities.Tests.Sql;

public sealed class SqlStatementsTests
{
    [Fact]
    public void Split_KeepsSemicolonsInsideQuotesCommentsAndDollarBodies_WhenSeveralStatements()
    {
        const string sql = """
            -- a comment; not a statement
            INSERT INTO t VALUES ('a;b', "c;d");
            /* block; comment */
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $$x;y$$, $1 ; ;
            """;

        var statements = SqlStatements.Split(sql);

        Assert.Equal(3, statements.Count);
        Assert.EndsWith("INSERT INTO t VALUES ('a;b', \"c;d\")", statements[0], StringComparison.Ordinal);
        Assert.EndsWith("$body$ SELECT 1; $body$ LANGUAGE sql", statements[1], StringComparison.Ordinal);
        Assert.Equal("SELECT $$x;y$$, $1", statements[2]);
    }

    [Fact]
    public void Split_ReturnsOneStatement_WhenNoSemicolon()
        => Assert.Equal(["SELECT 'it''s'"], SqlStatements.Split("  SELECT 'it''s'  "));
}
