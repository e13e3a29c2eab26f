using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Configuration;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;
using Orchestrator.Core.Templates;

namespace Orchestrator.Activities.Alerts;

/// <summary>The rendered parts of one alert e-mail.</summary>
public sealed record EmailContent(string Subject, string Text, string Html);

/// <summary>
/// Renders an <see cref="OutgoingAlert"/> for a channel with Liquid templates: the embedded defaults
/// (<see cref="TemplateNames"/>), each replaceable by a file of the same name in the folder configured as
/// <c>Orchestrator:Alerts:Templates</c>. Every template is parsed, and tried on a sample alert, when the composer is built,
/// so a broken override stops start-up instead of an alert.
/// </summary>
public sealed class AlertComposer
{
    /// <summary>The configuration key of the override folder (relative paths resolve against the current directory).</summary>
    public const string TemplatesKey = "Orchestrator:Alerts:Templates";

    public const string EmailSubject = "email-subject.liquid";
    public const string EmailText = "email-text.liquid";
    public const string EmailHtml = "email-html.liquid";
    public const string Slack = "slack.liquid";

    /// <summary>How many log lines an alert shows, the last ones.</summary>
    public const int LogLines = 50;

    public static readonly IReadOnlyList<string> TemplateNames = [EmailSubject, EmailText, EmailHtml, Slack];

    private static readonly TextEncoder Html = HtmlTextEncoder.Instance;
    private static readonly JsonDocumentOptions LenientJson = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private readonly Dictionary<string, (IFluidTemplate Template, string Origin)> _templates = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;

    /// <summary>Builds the composer; throws <see cref="FormatException"/> naming the template that does not parse or render.</summary>
    public AlertComposer(string? overrideFolder = null)
    {
        _options = new TemplateOptions { CultureInfo = CultureInfo.InvariantCulture, TimeZone = TimeZoneInfo.Utc };
        _options.Filters.AddFilter("json", JsonFilter);
        _options.Filters.AddFilter("mrkdwn", MrkdwnFilter);
        _options.Filters.AddFilter("keep_end", KeepEndFilter);

        string? folder = null;
        if (!string.IsNullOrWhiteSpace(overrideFolder))
        {
            folder = Path.GetFullPath(overrideFolder);
            if (!Directory.Exists(folder))
            {
                throw new FormatException($"{TemplatesKey}: the alert template folder '{folder}' does not exist");
            }
        }

        foreach (var name in TemplateNames)
        {
            var file = folder is null ? null : Path.Combine(folder, name);
            var (source, origin) = file is not null && File.Exists(file) ? (File.ReadAllText(file), file) : (Embedded(name), $"the built-in {name}");
            if (!Liquid.TryParse(source, out var template, out var error))
            {
                throw new FormatException($"alert template {origin} does not parse: {error}");
            }

            _templates[name] = (template, origin);
        }

        // A try on a sample with every field set: an override that renders broken JSON fails here, at start-up.
        var sample = new OutgoingAlert(new AlertRecord
        {
            Id = Guid.Empty,
            Key = "sample",
            Event = AlertEvent.TaskFailed,
            Channel = "email:sample",
            WorkflowId = "sample-workflow",
            RunId = Guid.Empty,
            TaskId = "sample-task",
            Attempt = 2,
            LogicalDate = DateTimeOffset.UnixEpoch,
            OccurredAt = DateTimeOffset.UnixEpoch,
            Error = "a \"quoted\" <error> & more\nsecond line",
            Detail = "detail",
            Occurrences = 3,
        })
        {
            LogTail = ["line 1", "line \"2\" <b>"],
            RunUrl = "http://127.0.0.1/runs/sample",
        };
        try
        {
            _ = ComposeEmail(sample, new EmailChannel("sample", "127.0.0.1", 25, SmtpTls.None, "a@example.com", ["b@example.com"]));
            _ = ComposeSlack(sample, new SlackChannel("sample", new Uri("http://127.0.0.1/hook")) { Username = "u", IconEmoji = ":x:" });
        }
        catch (AlertDeliveryException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>The composer of the configured override folder (none: the built-in templates).</summary>
    public static AlertComposer Load(IConfiguration? configuration) => new(configuration?[TemplatesKey]);

    /// <summary>Where each template comes from: the override file, or the built-in one.</summary>
    public IReadOnlyDictionary<string, string> Origins => _templates.ToDictionary(t => t.Key, t => t.Value.Origin, StringComparer.Ordinal);

    /// <summary>The subject line's time: UTC, to the minute, <c>2026-11-23T10:00Z</c>.</summary>
    public static string When(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    public EmailContent ComposeEmail(OutgoingAlert message, EmailChannel channel)
    {
        var subject = Render(EmailSubject, message, channel, NullEncoder.Default);
        // A header is one line, whatever the template wrote.
        subject = string.Join(' ', subject.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return new EmailContent(subject, Render(EmailText, message, channel, NullEncoder.Default), Render(EmailHtml, message, channel, Html));
    }

    /// <summary>The Block Kit payload; a template that renders something other than a JSON object is a non-transient failure.</summary>
    public JsonObject ComposeSlack(OutgoingAlert message, SlackChannel channel)
    {
        var text = Render(Slack, message, channel, NullEncoder.Default);
        JsonNode? payload;
        try
        {
            payload = JsonNode.Parse(text, documentOptions: LenientJson);
        }
        catch (JsonException e)
        {
            throw new AlertDeliveryException(
                $"alert template {_templates[Slack].Origin} did not render valid JSON ({e.Message}); use the json filter for values: {{{{ alert.error | json }}}}",
                transient: false, e);
        }

        return payload as JsonObject
            ?? throw new AlertDeliveryException($"alert template {_templates[Slack].Origin} rendered JSON that is not an object (Slack expects {{ \"text\": ..., \"blocks\": [...] }})", transient: false);
    }

    private string Render(string name, OutgoingAlert message, AlertChannel channel, TextEncoder encoder)
    {
        var context = new TemplateContext(_options);
        context.SetValue("alert", Model(message));
        context.SetValue("channel", ChannelModel(channel));
        try
        {
            return _templates[name].Template.Render(context, encoder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AlertDeliveryException($"alert template {_templates[name].Origin} failed: {e.Message}", transient: false, e);
        }
    }

    private static Dictionary<string, object?> Model(OutgoingAlert message)
    {
        var alert = message.Alert;
        var tail = message.LogTail.Count > LogLines ? message.LogTail.Skip(message.LogTail.Count - LogLines).ToArray() : message.LogTail.ToArray();
        return new Dictionary<string, object?>
        {
            ["event"] = message.Event,
            ["workflow"] = alert.WorkflowId,
            ["run_id"] = alert.RunId?.ToString(),
            ["task"] = alert.TaskId,
            ["attempt"] = alert.Attempt,
            ["logical_date"] = alert.LogicalDate is { } logical ? Iso(logical) : null,
            ["occurred_at"] = Iso(alert.OccurredAt),
            ["when"] = When(alert.LogicalDate ?? alert.OccurredAt),
            ["error"] = alert.Error,
            ["detail"] = alert.Detail,
            ["log_tail"] = tail.Cast<object?>().ToList(),
            ["log_text"] = string.Join('\n', tail),
            ["run_url"] = message.RunUrl,
            ["occurrences"] = alert.Occurrences,
            ["key"] = alert.Key,
        };
    }

    private static Dictionary<string, object?> ChannelModel(AlertChannel channel)
    {
        var model = new Dictionary<string, object?> { ["name"] = channel.Name, ["kind"] = channel.Kind, ["reference"] = channel.Reference };
        if (channel is SlackChannel slack)
        {
            model["username"] = slack.Username;
            model["icon_emoji"] = slack.IconEmoji;
            model["icon_url"] = slack.IconUrl;
        }
        else if (channel is EmailChannel email)
        {
            model["from"] = email.From;
            model["to"] = email.To.Cast<object?>().ToList();
        }

        return model;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Embedded(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Orchestrator.Activities.Alerts.Templates.{name}")
            ?? throw new InvalidOperationException($"the built-in alert template {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary><c>{{ x | json }}</c>: the value as a JSON literal (a string quoted and escaped), for templates that write JSON.</summary>
    private static ValueTask<FluidValue> JsonFilter(FluidValue input, FilterArguments arguments, TemplateContext context)
        => new(new StringValue(ToJson(input, context)?.ToJsonString() ?? "null", encode: false));

    private static JsonNode? ToJson(FluidValue value, TemplateContext context) => value switch
    {
        NilValue or EmptyValue => null,
        BooleanValue b => JsonValue.Create(b.ToBooleanValue()),
        NumberValue n => JsonValue.Create(n.ToNumberValue()),
        ArrayValue a => new JsonArray(a.Values.Select(v => ToJson(v, context)).ToArray()),
        _ => JsonValue.Create(value.ToStringValue()),
    };

    /// <summary><c>{{ x | mrkdwn }}</c>: escapes the three characters Slack's mrkdwn reserves (&amp;, &lt;, &gt;).</summary>
    private static ValueTask<FluidValue> MrkdwnFilter(FluidValue input, FilterArguments arguments, TemplateContext context)
        => new(new StringValue(input.ToStringValue().Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)));

    /// <summary><c>{{ x | keep_end: 2900 }}</c>: at most that many characters, the last ones (a log's end matters most), "…" in front when cut.</summary>
    private static ValueTask<FluidValue> KeepEndFilter(FluidValue input, FilterArguments arguments, TemplateContext context)
    {
        var text = input.ToStringValue();
        var max = Math.Max(1, (int)arguments.At(0).ToNumberValue());
        return new(new StringValue(text.Length <= max ? text : string.Concat("…", text.AsSpan(text.Length - max + 1))));
    }
}
