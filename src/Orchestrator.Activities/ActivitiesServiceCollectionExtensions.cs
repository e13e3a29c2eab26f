using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Streams;

namespace Orchestrator;

public static class ActivitiesServiceCollectionExtensions
{
    /// <summary>The data activities (kafka.*) and what they open: event streams by connection.</summary>
    public static IServiceCollection AddOrchestratorActivities(this IServiceCollection services)
    {
        services.TryAddSingleton<IEventStreamFactory, EventStreamFactory>();
        services.AddActivities(DataActivities.Types);
        return services;
    }
}

/// <summary>The activity types of this assembly.</summary>
public static class DataActivities
{
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(Activities.Kafka.KafkaProduceActivity),
        typeof(Activities.Kafka.KafkaConsumeActivity),
        typeof(Generation.GenerateActivity),
        typeof(Generation.DownloadActivity),
        typeof(Activities.Data.DataTransformActivity),
        typeof(Activities.Data.DataCleanActivity),
        typeof(Activities.Data.DataQualityActivity),
        typeof(Activities.Data.DataConvertActivity),
        typeof(Activities.Storage.S3UploadActivity),
        typeof(Activities.Storage.S3DownloadActivity),
        typeof(Activities.Search.ElasticsearchIndexActivity),
        typeof(Activities.Spark.SparkSubmitActivity),
        typeof(Activities.Sql.SqlExecuteActivity),
        typeof(Activities.Sql.SqlQueryActivity),
        typeof(Activities.Sql.SqlLoadActivity),
    ];
}
