using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

/// <summary>
/// The bookkeeping of <see cref="DataCleanActivity"/>: each rule runs as one step whose rows in, rows out and
/// changed rows are measured, and whose failures say which step and which input they come from.
/// </summary>
internal sealed class CleanSteps(DuckSession session, string table, string rowNumber)
{
    private const string Before = "\"__before\"";

    private readonly List<DataCleanActivity.StepCounts> _reports = [];

    public IReadOnlyList<DataCleanActivity.StepCounts> Reports => _reports;

    /// <summary>The rows before the first step, counted once: each step carries the count on to the next.</summary>
    public long RowsIn { get; } = CountRows(session, table);

    /// <summary>The rows in the table now: the last step's rows out.</summary>
    private long Rows => _reports.Count == 0 ? RowsIn : _reports[^1].RowsOut;

    /// <summary>The table's columns and their DuckDB types, without the row number.</summary>
    public IReadOnlyList<(string Name, string Type)> Columns()
        => session.Columns($"SELECT * EXCLUDE ({rowNumber}) FROM {table}");

    /// <summary>The table's column names, compared as DuckDB compares identifiers (without regard to case).</summary>
    public HashSet<string> ColumnNames() => Columns().Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Runs one step and records its counts. A row counts as changed when one of the <paramref name="compared"/>
    /// columns holds another value after the step than before it: a value became NULL or stopped being NULL, or it
    /// differs in the column's type before the step (10.7 cast to 11), text being read in the new type instead
    /// (' 10', '10' and '10.0' cast to 10 are no change; 'ten' cast to NULL is one). The step keeps every row, unless
    /// <paramref name="countRows"/> says it may not (a derived expression may unnest a list): then they are counted.
    /// </summary>
    public DataCleanActivity.StepCounts Run(
        int number, string step, IReadOnlyList<string>? columns, IReadOnlyList<string> compared, Action run, bool countRows = false)
    {
        var rowsIn = Rows;
        var types = compared.Count == 0
            ? []
            : Located(number, step, step, () => session.Columns($"SELECT {DuckSql.Identifiers(compared)} FROM {table}"));
        if (types.Count > 0)
        {
            var snapshot = string.Join(", ", compared.Select((c, i) => $"{DuckSql.Identifier(c)} AS \"c{i}\""));
            session.Execute($"CREATE OR REPLACE TEMP TABLE {Before} AS SELECT {rowNumber}, {snapshot} FROM {table}");
        }

        try
        {
            run();
            var changed = 0L;
            if (types.Count > 0)
            {
                var after = session.Columns($"SELECT {DuckSql.Identifiers(compared)} FROM {table}");
                var differs = string.Join(" OR ", compared.Select((c, i) => Differs($"t.{DuckSql.Identifier(c)}", after[i].Type, $"b.\"c{i}\"", types[i].Type)));
                changed = session.Count($"SELECT count(*) FROM {table} t JOIN {Before} b ON t.{rowNumber} = b.{rowNumber} WHERE {differs}");
            }

            var report = new DataCleanActivity.StepCounts
            {
                Step = step,
                Columns = columns is { Count: > 0 } ? columns : null,
                RowsIn = rowsIn,
                RowsOut = countRows ? CountRows(session, table) : rowsIn,
                RowsChanged = changed,
            };
            _reports.Add(report);
            return report;
        }
        finally
        {
            if (types.Count > 0)
            {
                session.Execute($"DROP TABLE IF EXISTS {Before}");
            }
        }
    }

    private static long CountRows(DuckSession session, string table) => session.Count($"SELECT count(*) FROM {table}");

    private static string Differs(string now, string nowType, string before, string beforeType)
        => $"(({now}) IS NULL) <> (({before}) IS NULL) OR " + (beforeType == "VARCHAR"
            ? $"TRY_CAST({before} AS {nowType}) IS DISTINCT FROM {now}"
            : $"TRY_CAST({now} AS {beforeType}) IS DISTINCT FROM {before}");

    /// <summary>
    /// Replaces the last step's counts with what only the step itself knew: the values a cast nulled, the rows an
    /// UPDATE changed or a DELETE removed (the rows out are what the next step receives).
    /// </summary>
    public void Amend(DataCleanActivity.StepCounts report) => _reports[^1] = report;

    /// <summary>Runs a step that deletes rows with one statement, whose count is the rows it removed; returns that count.</summary>
    public long Delete(int number, string step, IReadOnlyList<string>? columns, string sql)
    {
        long deleted = 0;
        var report = Run(number, step, columns, compared: [], () => deleted = Located(number, step, step, () => session.Execute(sql)));
        Amend(report with { RowsOut = report.RowsIn - deleted });
        return deleted;
    }

    public void Located(int number, string step, string path, Action run) => Located(number, step, path, () =>
    {
        run();
        return 0;
    });

    /// <summary>Runs part of a step; a failure names the input it comes from and the step ("cast.amount (step 3, cast): ...").</summary>
    public T Located<T>(int number, string step, string path, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (PermanentActivityException e)
        {
            throw new PermanentActivityException($"{path} (step {number}, {step}): {e.Message}", e.Reason, e);
        }
        catch (ActivityFailedException e)
        {
            throw new ActivityFailedException($"{path} (step {number}, {step}): {e.Message}", e);
        }
    }
}
