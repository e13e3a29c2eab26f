using Microsoft.Extensions.Configuration;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Core.Tests.Connections;

public sealed class ConnectionCatalogTests
{
    private static ConnectionCatalog Load(Dictionary<string, string?>? configuration = null, Dictionary<string, string>? environment = null)
        => ConnectionCatalog.Load(
            new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build(),
            environment ?? []);

    [Fact]
    public void Parse_SplitsBrokersAndPassesQueryAsClientProperties_WhenKafkaUri()
    {
        var connection = ConnectionUri.Parse("events", "kafka://b1:9092,b2:9093?security.protocol=SASL_SSL&sasl.mechanism=PLAIN&sasl.password=s3cr%40t");

        Assert.Equal(ConnectionTypes.Kafka, connection.Type);
        Assert.Equal("b1:9092,b2:9093", connection.Get("bootstrap.servers"));
        Assert.Equal("SASL_SSL", connection.Get("security.protocol"));
        Assert.Equal("s3cr@t", connection.Get("sasl.password"));
    }

    [Fact]
    public void Parse_ReadsUserPasswordHostPortAndDatabase_WhenPostgresUri()
    {
        var connection = ConnectionUri.Parse("warehouse", "postgresql://etl:p%3Ass@db.internal:6432/dwh?sslmode=require");

        Assert.Equal(ConnectionTypes.PostgreSql, connection.Type);
        Assert.Equal("db.internal", connection.Get("host"));
        Assert.Equal("6432", connection.Get("port"));
        Assert.Equal("dwh", connection.Get("database"));
        Assert.Equal("etl", connection.Get("username"));
        Assert.Equal("p:ss", connection.Get("password"));
        Assert.Equal("require", connection.Get("sslmode"));
    }

    [Theory]
    [InlineData("sqlite:warehouse.db", ConnectionTypes.Sqlite, "path", "warehouse.db")]
    [InlineData("file:lake", ConnectionTypes.File, "path", "lake")]
    [InlineData("local:streams", ConnectionTypes.Local, "path", "streams")]
    [InlineData("s3://minio:minio123@127.0.0.1:9000/lake?region=us-east-1", ConnectionTypes.S3, "endpoint", "http://127.0.0.1:9000")]
    [InlineData("https://user:pw@api.example.com/v1", ConnectionTypes.Http, "baseUrl", "https://api.example.com/v1")]
    public void Parse_GivesTypeAndSetting_ForEachScheme(string uri, string type, string key, string value)
    {
        var connection = ConnectionUri.Parse("c", uri);

        Assert.Equal(type, connection.Type);
        Assert.Equal(value, connection.Get(key));
    }

    [Fact]
    public void Parse_KeepsBucketAndKeys_WhenS3Uri()
    {
        var connection = ConnectionUri.Parse("lake", "s3://minio:minio123@127.0.0.1:9000/lake?ssl=true");

        Assert.Equal("https://127.0.0.1:9000", connection.Get("endpoint"));
        Assert.Equal("lake", connection.Get("bucket"));
        Assert.Equal("minio", connection.Get("accessKey"));
        Assert.Equal("minio123", connection.Get("secretKey"));
    }

    [Fact]
    public void Parse_TakesTheHostAsBucket_WhenS3UriNamesAnEndpoint()
    {
        var connection = ConnectionUri.Parse("lake", "s3://minio:secret@lake/raw?endpoint=http://minio:9000&pathStyle=true&region=us-east-1");

        Assert.Equal("http://minio:9000", connection.Get("endpoint"));
        Assert.Equal("lake", connection.Get("bucket"));
        Assert.Equal("raw", connection.Get("prefix"));
        Assert.Equal("true", connection.Get("pathStyle"));
        Assert.Equal("secret", connection.Get("secretKey"));
    }

    [Theory]
    [InlineData("nonsense", "not a connection URI")]
    [InlineData("mongodb://h/db", "unknown scheme 'mongodb'")]
    [InlineData("kafka:broker:9092", "needs // after the scheme")]
    [InlineData("postgresql://user:hunter22@/db", "names no host")]
    public void Parse_ExplainsTheProblem_WhenUriIsBad(string uri, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ConnectionUri.Parse("c", uri));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter22", error.Message);
    }

    [Fact]
    public void Load_HasTheLocalEventLog_WhenNothingIsConfigured()
    {
        var events = Load().Find("events");

        Assert.NotNull(events);
        Assert.Equal(ConnectionTypes.Local, events.Type);
    }

    [Fact]
    public void Load_LetsEnvironmentWinOverConfigurationAndConfigurationOverDefaults()
    {
        var catalog = Load(
            new() { ["Orchestrator:Connections:events:uri"] = "kafka://config:9092", ["Orchestrator:Connections:warehouse:uri"] = "sqlite:w.db" },
            new() { ["ORCHESTRATOR_CONN_WAREHOUSE"] = "postgresql://u:p@env:5432/db", ["UNRELATED"] = "x" });

        Assert.Equal("config:9092", catalog.Get("events").Get("bootstrap.servers"));
        Assert.Equal(ConnectionTypes.PostgreSql, catalog.Get("warehouse").Type);
        Assert.Equal("env", catalog.Get("warehouse").Get("host"));
    }

    [Fact]
    public void Load_MergesSettingsOverTheUri_WhenSectionHasBoth()
    {
        var catalog = Load(new()
        {
            ["Orchestrator:Connections:events:uri"] = "kafka://b:9092",
            ["Orchestrator:Connections:events:security.protocol"] = "SSL",
        });

        Assert.Equal("b:9092", catalog.Get("events").Get("bootstrap.servers"));
        Assert.Equal("SSL", catalog.Get("events").Get("security.protocol"));
    }

    [Fact]
    public void Load_ReadsTypeAndSettings_WhenSectionHasNoUri()
    {
        var catalog = Load(new()
        {
            ["Orchestrator:Connections:lake:type"] = "s3",
            ["Orchestrator:Connections:lake:endpoint"] = "http://127.0.0.1:9000",
        });

        Assert.Equal(ConnectionTypes.S3, catalog.Get("lake").Type);
        Assert.Equal("http://127.0.0.1:9000", catalog.Get("lake").Get("endpoint"));
    }

    [Theory]
    [InlineData("Orchestrator:Connections:lake:endpoint", "x", "set a type")]
    [InlineData("Orchestrator:Connections:lake:type", "mongodb", "unknown type 'mongodb'")]
    [InlineData("Orchestrator:Connections:Bad Name:type", "kafka", "is not a connection name")]
    public void Load_NamesTheEntry_WhenSectionIsBad(string key, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Load(new() { [key] = value }));

        Assert.Contains(expected, error.Message);
        Assert.Contains("Orchestrator:Connections:", error.Message);
    }

    [Fact]
    public void Get_ListsTheKnownConnections_WhenNameIsUnknown()
    {
        var error = Assert.Throws<ActivityFailedException>(() => Load().Get("evnets"));

        Assert.Contains("connection 'evnets' is not configured", error.Message);
        Assert.Contains("events", error.Message);
        Assert.Contains("ORCHESTRATOR_CONN_EVNETS", error.Message);
    }

    [Fact]
    public void Get_Fails_WhenTypeIsNotAccepted()
    {
        var error = Assert.Throws<ActivityFailedException>(() => Load().Get("events", ConnectionTypes.PostgreSql));

        Assert.Contains("is a local connection", error.Message);
    }

    [Fact]
    public void Mask_HidesSecretValuesAndToStringShowsNone()
    {
        var catalog = Load(environment: new() { ["ORCHESTRATOR_CONN_EVENTS"] = "kafka://b:9092?sasl.username=etl&sasl.password=hunter22" });
        var events = catalog.Get("events");

        Assert.Equal("login failed for etl with *** at b:9092", catalog.Mask("login failed for etl with hunter22 at b:9092"));
        Assert.DoesNotContain("hunter22", events.ToString());
        Assert.Contains("sasl.password=***", events.ToString());
        Assert.Contains("sasl.username=etl", events.ToString());
        Assert.Equal("***", events.MaskedSettings["sasl.password"]);
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("sasl.password", true)]
    [InlineData("secretKey", true)]
    [InlineData("token", true)]
    [InlineData("bootstrap.servers", false)]
    [InlineData("username", false)]
    public void IsSecret_RecognisesSecretSettingNames(string key, bool secret)
        => Assert.Equal(secret, SecretSettings.IsSecret(key));

    [Fact]
    public void Redact_HidesThePasswordOfAUri()
        => Assert.Equal("postgresql://etl:***@db/x", ConnectionUri.Redact("postgresql://etl:hunter22@db/x"));
}
