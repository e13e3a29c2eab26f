namespace Orchestrator.Activities.Sql;

/// <summary>
/// Splits SQL text at the semicolons that end statements — not those inside quotes, dollar-quoted bodies
/// (<c>$$ ... $$</c>, <c>$tag$ ... $tag$</c>) or comments — so that a failure names the statement that failed.
/// </summary>
public static class SqlStatements
{
    public static IReadOnlyList<string> Split(string sql)
    {
        var statements = new List<string>();
        var start = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is '\'' or '"' or '`')
            {
                i = SkipQuoted(sql, i, c);
            }
            else if (c == '-' && Next(sql, i) == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (c == '/' && Next(sql, i) == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (c == ';')
            {
                Add(statements, sql[start..i]);
                start = ++i;
            }
            else
            {
                i++;
            }
        }

        Add(statements, sql[start..]);
        return statements;
    }

    private static char Next(string sql, int i) => i + 1 < sql.Length ? sql[i + 1] : '\0';

    private static int SkipQuoted(string sql, int i, char quote)
    {
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                // A doubled quote is the quote character itself.
                if (Next(sql, i) != quote)
                {
                    return i + 1;
                }

                i++;
            }

            i++;
        }

        return i;
    }

    /// <summary>The <c>$tag$</c> opening a dollar-quoted string at <paramref name="i"/>, or null (a <c>$1</c> parameter, say).</summary>
    private static string? DollarTag(string sql, int i)
    {
        var j = i + 1;
        while (j < sql.Length && (char.IsAsciiLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$' && !(j > i + 1 && char.IsAsciiDigit(sql[i + 1])) ? sql[i..(j + 1)] : null;
    }

    private static void Add(List<string> statements, string statement)
    {
        if (HasCode(statement))
        {
            statements.Add(statement.Trim());
        }
    }

    /// <summary>Whether the text holds more than whitespace and comments.</summary>
    private static bool HasCode(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] == '-' && Next(text, i) == '-')
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end + 1;
            }
            else if (text[i] == '/' && Next(text, i) == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 2;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
