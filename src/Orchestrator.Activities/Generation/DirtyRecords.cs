using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Activities.Generation;

/// <summary>What was done to a dirtied record.</summary>
public enum DirtKind
{
    Duplicate,
    Missing,
    OutOfRange,
    Padded,
}

/// <summary>
/// Spoils a share of the records so that cleaning steps have work: exact duplicates, missing values, numbers out of
/// any plausible range, and text padded with blanks. Reproducible: the same seed spoils the same records the same way.
/// The first field (the record's id) is never touched, so duplicates stay recognisable by it.
/// </summary>
public static class DirtyRecords
{
    public static IEnumerable<JsonObject> Spoil(IEnumerable<JsonObject> records, double ratio, int seed, Dictionary<DirtKind, long> counts)
    {
        var random = new Random(HashCode.Combine(seed, 0x5EED));
        foreach (var record in records)
        {
            if (ratio <= 0 || random.NextDouble() >= ratio)
            {
                yield return record;
                continue;
            }

            var kind = (DirtKind)random.Next(4);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            var fields = record.Select(p => p.Key).Skip(1).ToArray();
            switch (kind)
            {
                case DirtKind.Duplicate:
                    yield return record;
                    yield return record.DeepClone().AsObject();
                    continue;
                case DirtKind.Missing when fields.Length > 0:
                    record[fields[random.Next(fields.Length)]] = null;
                    break;
                case DirtKind.OutOfRange:
                    var numbers = fields.Where(f => record[f]?.GetValueKind() == JsonValueKind.Number).ToArray();
                    if (numbers.Length > 0)
                    {
                        var field = numbers[random.Next(numbers.Length)];
                        record[field] = random.Next(2) == 0 ? -999_999.0 : 999_999.0;
                    }

                    break;
                case DirtKind.Padded:
                    var texts = fields.Where(f => record[f]?.GetValueKind() == JsonValueKind.String).ToArray();
                    if (texts.Length > 0)
                    {
                        var field = texts[random.Next(texts.Length)];
                        record[field] = $"  {record[field]!.GetValue<string>()} ";
                    }

                    break;
            }

            yield return record;
        }
    }
}
