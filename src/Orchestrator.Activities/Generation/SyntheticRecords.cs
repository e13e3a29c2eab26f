using System.Globalization;
using System.Text.Json.Nodes;
using Bogus;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Generation;

/// <summary>
/// Synthetic records of the reference pipelines' datasets, reproducible: the same dataset, seed and start give the
/// same records. Built on Bogus with a private randomizer per sequence (Bogus's global seed is not touched).
/// </summary>
public static class SyntheticRecords
{
    public static IReadOnlyList<string> Datasets { get; } = ["transactions", "weather", "agriculture", "population"];

    /// <summary>An endless sequence; record <c>i</c> is stamped <paramref name="timestamp"/>(i).</summary>
    public static IEnumerable<JsonObject> Generate(string dataset, int seed, Func<long, DateTimeOffset> timestamp)
    {
        var faker = new Faker("fr") { Random = new Randomizer(seed) };
        Func<Faker, long, DateTimeOffset, JsonObject> next = dataset switch
        {
            "transactions" => Transaction,
            "weather" => Weather(faker),
            "population" => Population,
            "agriculture" => Agriculture(faker),
            _ => throw new ActivityFailedException($"unknown dataset '{dataset}' (known: {string.Join(", ", Datasets)})"),
        };
        for (long i = 0; ; i++)
        {
            yield return next(faker, i, timestamp(i));
        }
    }

    private static readonly string[] Categories = ["groceries", "restaurants", "travel", "electronics", "fashion", "health", "fuel", "entertainment"];
    private static readonly string[] Statuses = ["APPROVED", "DECLINED", "PENDING", "REFUNDED"];
    private static readonly float[] StatusWeights = [0.85f, 0.08f, 0.05f, 0.02f];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP"];
    private static readonly float[] CurrencyWeights = [0.9f, 0.06f, 0.04f];

    private static JsonObject Transaction(Faker f, long index, DateTimeOffset at) => new()
    {
        ["transaction_id"] = f.Random.Guid().ToString(),
        ["timestamp"] = Iso(at),
        ["amount"] = Math.Round((double)f.Random.Decimal(5, 750), 2),
        ["currency"] = f.Random.WeightedRandom(Currencies, CurrencyWeights),
        ["category"] = f.PickRandom(Categories),
        ["merchant"] = f.Company.CompanyName(),
        ["city"] = f.Address.City(),
        ["status"] = f.Random.WeightedRandom(Statuses, StatusWeights),
        ["customer_id"] = $"C{f.Random.Int(1, 50_000):D6}",
        ["card_id"] = $"K{f.Random.Int(1, 80_000):D6}",
    };

    private static Func<Faker, long, DateTimeOffset, JsonObject> Weather(Faker seedFaker)
    {
        // A fixed set of stations, each with its own climate, so series look like measurements, not noise.
        var stations = Enumerable.Range(1, 12).Select(i => (Id: $"ST{i:D3}", City: seedFaker.Address.City(), Base: seedFaker.Random.Double(4, 22))).ToArray();
        return (f, index, at) =>
        {
            var station = stations[index % stations.Length];
            var hour = at.UtcDateTime.Hour + at.UtcDateTime.Minute / 60.0;
            var temperature = station.Base + 6 * Math.Sin((hour - 9) / 24 * 2 * Math.PI) + f.Random.Double(-1.5, 1.5);
            return new JsonObject
            {
                ["station_id"] = station.Id,
                ["city"] = station.City,
                ["timestamp"] = Iso(at),
                ["temperature"] = Math.Round(temperature, 1),
                ["humidity"] = Math.Round(f.Random.Double(35, 98), 1),
                ["pressure"] = Math.Round(f.Random.Double(985, 1035), 1),
                ["wind_speed"] = Math.Round(f.Random.Double(0, 65), 1),
                ["precipitation"] = f.Random.Bool(0.2f) ? Math.Round(f.Random.Double(0.1, 12), 1) : 0.0,
            };
        };
    }

    private static readonly string[] Regions = ["Bretagne", "Beauce", "Occitanie", "Normandie", "Provence", "Hauts-de-France", "Grand Est", "Nouvelle-Aquitaine"];
    private static readonly (string Crop, double Yield, double Price)[] Crops =
        [("wheat", 7.2, 210), ("maize", 9.1, 190), ("barley", 6.4, 180), ("rapeseed", 3.4, 470), ("sunflower", 2.3, 430), ("sugar beet", 85, 35), ("potato", 42, 160)];

    private static Func<Faker, long, DateTimeOffset, JsonObject> Agriculture(Faker seedFaker)
    {
        var farms = Enumerable.Range(1, 40).Select(i => (Id: $"F{i:D4}", Region: seedFaker.PickRandom(Regions))).ToArray();
        return (f, index, at) =>
        {
            var farm = farms[index % farms.Length];
            var crop = f.PickRandom(Crops);
            var rainfall = Math.Round(f.Random.Double(0, 60), 1);
            var moisture = Math.Round(Math.Clamp(15 + rainfall * 0.6 + f.Random.Double(-8, 8), 5, 60), 1);
            return new JsonObject
            {
                ["farm_id"] = farm.Id,
                ["region"] = farm.Region,
                ["crop"] = crop.Crop,
                ["date"] = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["yield_t_ha"] = Math.Round(crop.Yield * f.Random.Double(0.7, 1.2) * (0.8 + moisture / 150), 2),
                ["rainfall_mm"] = rainfall,
                ["soil_moisture_pct"] = moisture,
                ["fertilizer_kg_ha"] = f.Random.Int(40, 260),
                ["price_eur_t"] = Math.Round(crop.Price * f.Random.Double(0.85, 1.2), 2),
            };
        };
    }

    private static readonly string[] Neighbourhoods =
        ["Belleville", "Bastille", "Montmartre", "Marais", "Batignolles", "Butte-aux-Cailles", "Oberkampf", "Pigalle", "Passy", "Bercy"];
    private static readonly string[] AgeGroups = ["0-17", "18-34", "35-49", "50-64", "65+"];
    private static readonly string[] Sectors = ["public", "private", "self-employed", "unemployed", "retired", "student"];

    private static JsonObject Population(Faker f, long index, DateTimeOffset at)
    {
        var ageGroup = f.PickRandom(AgeGroups);
        var sector = ageGroup switch { "0-17" => "student", "65+" => f.Random.Bool(0.8f) ? "retired" : f.PickRandom(Sectors), _ => f.PickRandom(Sectors) };
        return new JsonObject
        {
            ["person_id"] = $"P{index + 1:D7}",
            ["timestamp"] = Iso(at),
            ["neighbourhood"] = f.PickRandom(Neighbourhoods),
            ["age_group"] = ageGroup,
            ["sector"] = sector,
            ["income"] = sector is "student" or "unemployed" ? f.Random.Int(0, 9_000) : f.Random.Int(14_000, 95_000),
            ["health_insurance"] = f.Random.Bool(0.92f),
            ["self_employed"] = sector == "self-employed",
        };
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
