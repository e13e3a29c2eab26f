using Microsoft.Extensions.Configuration;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Activities.Tests.Alerts;

public sealed class AlertChannelCatalogTests
{
    private const string Password = "smtp-password-never-shown";
    private const string Webhook = "https://hooks.slack.com/services/T0001/B0002/webhook-token-never-shown";

    [Fact]
    public void Load_ReadsEmailAndSlackChannels_WhenConfigured()
    {
        var catalog = AlertChannelCatalog.Load(Configuration(new()
        {
            ["Orchestrator:Alerts:Channels:data-team:type"] = "email",
            ["Orchestrator:Alerts:Channels:data-team:host"] = "smtp.example.com",
            ["Orchestrator:Alerts:Channels:data-team:user"] = "alerts",
            ["Orchestrator:Alerts:Channels:data-team:password"] = Password,
            ["Orchestrator:Alerts:Channels:data-team:from"] = "Orchestrator <alerts@example.com>",
            ["Orchestrator:Alerts:Channels:data-team:to:0"] = "a@example.com",
            ["Orchestrator:Alerts:Channels:data-team:to:1"] = "b@example.com",
            ["Orchestrator:Alerts:Channels:data-team:timeout"] = "PT10S",
            ["Orchestrator:Alerts:Channels:data-alerts:type"] = "slack",
            ["Orchestrator:Alerts:Channels:data-alerts:webhookUrl"] = Webhook,
            ["Orchestrator:Alerts:Channels:data-alerts:username"] = "orchestrator",
            ["Orchestrator:Alerts:Channels:data-alerts:iconEmoji"] = ":rotating_light:",
        }), []);

        var email = Assert.IsType<EmailChannel>(catalog.Find("email:data-team"));
        Assert.Equal(("smtp.example.com", 587, SmtpTls.StartTls), (email.Host, email.Port, email.Tls));
        Assert.Equal(("alerts", Password), (email.User, email.Password));
        Assert.Equal("Orchestrator <alerts@example.com>", email.From);
        Assert.Equal(["a@example.com", "b@example.com"], email.To);
        Assert.Equal(TimeSpan.FromSeconds(10), email.Timeout);

        var slack = Assert.IsType<SlackChannel>(catalog.Find("slack:data-alerts"));
        Assert.Equal(Webhook, slack.WebhookUrl.OriginalString);
        Assert.Equal(("orchestrator", ":rotating_light:"), (slack.Username, slack.IconEmoji));
        Assert.Equal(TimeSpan.FromSeconds(30), slack.Timeout);

        Assert.Equal(["data-alerts", "data-team"], catalog.All.Select(c => c.Name));
        Assert.Null(catalog.Find("slack:data-team"));
        Assert.True(catalog.Find("email:data-team") is not null && catalog.Find("email:nope") is null);
    }

    [Fact]
    public void Load_ParsesSmtpAndWebhookUris_WhenEnvironmentVariablesHoldThem()
    {
        var catalog = AlertChannelCatalog.Load(null,
        [
            new("ORCHESTRATOR_CHANNEL_DATA_TEAM", $"smtp://alerts%40example.com:{Uri.EscapeDataString(Password + "/&")}@mail.example.com:2525?tls=starttls&from=alerts@example.com&to=a@example.com,b@example.com&timeout=5"),
            new("ORCHESTRATOR_CHANNEL_SECURE", "smtps://mail.example.com?from=alerts@example.com&to=c@example.com"),
            new("ORCHESTRATOR_CHANNEL_OPS", Webhook),
            new("ORCHESTRATOR_CHANNEL_LOCAL", "http://127.0.0.1:9999/hook"),
            new("ORCHESTRATOR_CONN_EVENTS", "kafka://127.0.0.1:9092"),
            new("ORCHESTRATOR_CHANNEL_EMPTY", ""),
        ]);

        var team = Assert.IsType<EmailChannel>(catalog.Find("email:data-team"));
        Assert.Equal(("mail.example.com", 2525, SmtpTls.StartTls), (team.Host, team.Port, team.Tls));
        Assert.Equal(("alerts@example.com", Password + "/&"), (team.User, team.Password));
        Assert.Equal(["a@example.com", "b@example.com"], team.To);
        Assert.Equal(TimeSpan.FromSeconds(5), team.Timeout);

        var secure = Assert.IsType<EmailChannel>(catalog.Find("email:secure"));
        Assert.Equal((465, SmtpTls.Ssl), (secure.Port, secure.Tls));

        Assert.Equal(Webhook, Assert.IsType<SlackChannel>(catalog.Find("slack:ops")).WebhookUrl.OriginalString);
        Assert.Equal("http://127.0.0.1:9999/hook", Assert.IsType<SlackChannel>(catalog.Find("slack:local")).WebhookUrl.OriginalString);
        Assert.Equal(["data-team", "local", "ops", "secure"], catalog.All.Select(c => c.Name));
    }

    [Fact]
    public void Load_LetsTheEnvironmentUriWin_WhenConfigurationNamesTheSameChannel()
    {
        var catalog = AlertChannelCatalog.Load(Configuration(new()
        {
            ["Orchestrator:Alerts:Channels:ops:type"] = "email",
            ["Orchestrator:Alerts:Channels:ops:host"] = "old.example.com",
            ["Orchestrator:Alerts:Channels:ops:from"] = "a@example.com",
            ["Orchestrator:Alerts:Channels:ops:to"] = "b@example.com",
        }), [new("ORCHESTRATOR_CHANNEL_OPS", Webhook)]);

        Assert.IsType<SlackChannel>(Assert.Single(catalog.All));
    }

    [Fact]
    public void Load_MergesSettingsOverTheUri_WhenASectionHasAUri()
    {
        var catalog = AlertChannelCatalog.Load(Configuration(new()
        {
            ["Orchestrator:Alerts:Channels:ops:uri"] = "smtp://mail.example.com:25?from=a@example.com&to=b@example.com",
            ["Orchestrator:Alerts:Channels:ops:tls"] = "none",
            ["Orchestrator:Alerts:Channels:ops:password"] = Password,
            ["Orchestrator:Alerts:Channels:ops:user"] = "u",
        }), []);

        var ops = Assert.IsType<EmailChannel>(Assert.Single(catalog.All));
        Assert.Equal((25, SmtpTls.None, Password), (ops.Port, ops.Tls, ops.Password));
    }

    [Theory]
    [InlineData("type=sms", "unknown type 'sms'")]
    [InlineData("host=", "set a type")]
    [InlineData("type=email;from=a@example.com;to=b@example.com", "host is missing")]
    [InlineData("type=email;host=h;to=b@example.com", "from is missing")]
    [InlineData("type=email;host=h;from=a@example.com", "to is missing")]
    [InlineData("type=email;host=h;from=a@example.com;to=not-an-address", "to 'not-an-address' is not an e-mail address")]
    [InlineData("type=email;host=h;port=99999;from=a@example.com;to=b@example.com", "port '99999' is not a port number")]
    [InlineData("type=email;host=h;port=x;from=a@example.com;to=b@example.com", "port 'x' is not a port number")]
    [InlineData("type=email;host=h;tls=maybe;from=a@example.com;to=b@example.com", "tls 'maybe' is not none, starttls or ssl")]
    [InlineData("type=email;host=h;from=a@example.com;to=b@example.com;timeout=soon", "timeout 'soon' is not an ISO 8601 duration such as PT30S")]
    [InlineData("type=email;host=h;from=a@example.com;to=b@example.com;timeout=P1M", "timeout 'P1M' is not an ISO 8601 duration")]
    [InlineData("type=slack;webhookUrl=https://hooks.example.com/x;timeout=PT0S", "timeout 'PT0S' must be positive")]
    [InlineData("type=email;host=h;from=a@example.com;to=b@example.com;hots=x", "unknown setting 'hots'")]
    [InlineData("type=slack", "webhookUrl is missing")]
    [InlineData("type=slack;webhookUrl=ftp://hooks.example.com/secret-token", "webhookUrl is not an absolute http(s) URL")]
    [InlineData("type=slack;webhookUrl=hooks/secret-token", "webhookUrl is not an absolute http(s) URL")]
    public void Load_ThrowsAFormatExceptionNamingTheEntry_WhenAnEntryIsBad(string settings, string expected)
    {
        var values = settings.Split(';').Select(p => p.Split('=', 2))
            .ToDictionary(p => "Orchestrator:Alerts:Channels:bad:" + p[0], p => (string?)p[1]);

        var error = Assert.Throws<FormatException>(() => AlertChannelCatalog.Load(Configuration(values), []));

        Assert.StartsWith("Orchestrator:Alerts:Channels:bad: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORCHESTRATOR_CHANNEL_OPS", "ftp://x/secret-token", "ORCHESTRATOR_CHANNEL_OPS: not a channel URI")]
    [InlineData("ORCHESTRATOR_CHANNEL_OPS", "smtp://h:25?from=a@example.com", "ORCHESTRATOR_CHANNEL_OPS: to is missing")]
    [InlineData("ORCHESTRATOR_CHANNEL_OPS", "smtp://u:secret-token@:25?from=a@example.com&to=b@example.com", "ORCHESTRATOR_CHANNEL_OPS: host is missing")]
    [InlineData("ORCHESTRATOR_CHANNEL_B@D", "https://hooks.example.com/secret-token", "'b@d' is not a channel name")]
    public void Load_ThrowsAFormatExceptionNamingTheVariable_WhenAUriIsBad(string variable, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => AlertChannelCatalog.Load(null, [new(variable, value)]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskedSettings_HideThePasswordAndTheWebhook_WhenListed()
    {
        var catalog = AlertChannelCatalog.Load(null,
        [
            new("ORCHESTRATOR_CHANNEL_TEAM", $"smtp://alerts:{Password}@mail.example.com?from=a@example.com&to=b@example.com"),
            new("ORCHESTRATOR_CHANNEL_OPS", Webhook),
        ]);

        var listing = string.Join("\n", catalog.All.Select(c => c.ToString()))
            + string.Join("\n", catalog.All.SelectMany(c => c.MaskedSettings.Values));

        Assert.DoesNotContain(Password, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("webhook-token-never-shown", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("/services/", listing, StringComparison.Ordinal);
        Assert.Contains("slack:ops (timeout=PT30S, webhookUrl=https://hooks.slack.com/***)", listing, StringComparison.Ordinal);
        Assert.Contains("password=***", listing, StringComparison.Ordinal);
        Assert.Contains("user=alerts", listing, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_ReplacesEverySecret_WhenFreeTextQuotesThem()
    {
        var catalog = AlertChannelCatalog.Load(null,
        [
            new("ORCHESTRATOR_CHANNEL_TEAM", $"smtp://alerts:{Password}@mail.example.com?from=a@example.com&to=b@example.com"),
            new("ORCHESTRATOR_CHANNEL_OPS", Webhook),
        ]);

        var masked = catalog.Mask($"auth {Password} failed; POST {Webhook} failed; path /services/T0001/B0002/webhook-token-never-shown");

        Assert.Equal("auth *** failed; POST *** failed; path ***", masked);
    }

    [Fact]
    public void Resolve_ThrowsANonTransientFailureSayingWhatToSet_WhenTheChannelIsNotConfigured()
    {
        var catalog = AlertChannelCatalog.Load(null, [new("ORCHESTRATOR_CHANNEL_OPS", Webhook)]);

        var unknown = Assert.Throws<AlertDeliveryException>(() => catalog.Resolve("email:x"));
        var otherKind = Assert.Throws<AlertDeliveryException>(() => catalog.Resolve("email:ops"));
        var malformed = Assert.Throws<AlertDeliveryException>(() => catalog.Resolve("pager:ops"));

        Assert.Equal("channel email:x is not configured (set Orchestrator:Alerts:Channels:x)", unknown.Message);
        Assert.Equal("channel email:ops is not configured (set Orchestrator:Alerts:Channels:ops); 'ops' is a slack channel", otherKind.Message);
        Assert.Contains("is not a channel reference", malformed.Message, StringComparison.Ordinal);
        Assert.All([unknown, otherKind, malformed], e => Assert.False(e.Transient));
        Assert.Equal("slack:ops", catalog.Resolve("ops").Reference);
        Assert.Equal("slack:ops", catalog.Resolve("ops", "slack").Reference);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
