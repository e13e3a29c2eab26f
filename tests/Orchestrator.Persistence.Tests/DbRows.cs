using System.Data.Common;

namespace Orchestrator.Persistence.Tests;

/// <summary>Reads what a raw SQL command returns, to check the stored form of the data, not only the API's.</summary>
public static class DbRows
{
    public static async Task<List<object?[]>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
