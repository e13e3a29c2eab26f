using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Activities.Alerts;
using Orchestrator.Activities.Streams;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Activities;

public static class ActivitiesServiceCollectionExtensions
{
    /// <summary>
    /// The data and notify activities and what they use: event streams by connection; alert channels (from
    /// <see cref="IConfiguration"/> when registered, and ORCHESTRATOR_CHANNEL_* variables), templates, senders and the
    /// <see cref="IAlertNotifier"/>.
    /// </summary>
    public static IServiceCollection AddOrchestratorActivities(this IServiceCollection services)
    {
        services.TryAddSingleton<IEventStreamFactory, EventStreamFactory>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(SlackSender.HttpClientName);
        services.TryAddSingleton(sp => AlertChannelCatalog.Load(sp.GetService<IConfiguration>(), AlertChannelCatalog.ProcessEnvironment()));
        services.TryAddSingleton(sp => AlertComposer.Load(sp.GetService<IConfiguration>()));
        services.TryAddSingleton<EmailSender>();
        services.TryAddSingleton<SlackSender>();
        services.TryAddSingleton<IAlertNotifier, AlertNotifier>();
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
        typeof(NotifyEmailActivity),
        typeof(NotifySlackActivity),
    ];
}
