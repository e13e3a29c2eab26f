using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// The alert channels of this process, shared by the CLI and the server. Sources, later ones winning: the configuration
/// section <c>Orchestrator:Alerts:Channels:&lt;name&gt;</c> (a <c>type</c> or a <c>uri</c>, plus settings; the usual
/// <c>Orchestrator__Alerts__Channels__&lt;name&gt;__&lt;key&gt;</c> variables override single settings), and the
/// environment variables <c>ORCHESTRATOR_CHANNEL_&lt;NAME&gt;</c> holding a channel URI (see <see cref="AlertChannelUri"/>).
/// </summary>
public sealed class AlertChannelCatalog
{
    public const string SectionName = "Orchestrator:Alerts:Channels";
    public const string EnvironmentPrefix = "ORCHESTRATOR_CHANNEL_";

    private readonly Dictionary<string, AlertChannel> _byName;
    private readonly string[] _secrets;

    public AlertChannelCatalog(IEnumerable<AlertChannel> channels)
    {
        _byName = new Dictionary<string, AlertChannel>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            _byName[channel.Name] = channel;
        }

        // Longest first, so a secret that contains another is masked whole.
        _secrets = _byName.Values
            .SelectMany(c => c.Secrets)
            .Where(v => v.Length >= 4)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length)
            .ToArray();
    }

    /// <summary>The channels, by name.</summary>
    public IReadOnlyCollection<AlertChannel> All => _byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The channel a reference (<c>email:name</c>, <c>slack:name</c>) names, when it is configured and of that kind.</summary>
    public AlertChannel? Find(string reference)
    {
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        return _byName.TryGetValue(reference[(colon + 1)..], out var channel) && channel.Kind == reference[..colon] ? channel : null;
    }

    /// <summary>
    /// The channel <paramref name="reference"/> names; a bare name is taken as one of <paramref name="kind"/> (or of any kind when null).
    /// Otherwise a non-transient <see cref="AlertDeliveryException"/> saying what to configure.
    /// </summary>
    public AlertChannel Resolve(string reference, string? kind = null)
    {
        if (!reference.Contains(':', StringComparison.Ordinal))
        {
            if (kind is null && _byName.TryGetValue(reference, out var byName))
            {
                return byName;
            }

            reference = $"{kind ?? EmailChannel.KindName}:{reference}";
        }

        if (!Regex.IsMatch(reference, ChannelReference.Pattern))
        {
            throw new AlertDeliveryException($"'{reference}' is not a channel reference (expected email:name or slack:name)", transient: false);
        }

        var parsed = ChannelReference.Parse(reference);
        if (kind is not null && parsed.Kind != kind)
        {
            var label = kind == EmailChannel.KindName ? "an e-mail" : "a Slack";
            throw new AlertDeliveryException($"channel {reference} cannot be used here: this needs {label} channel ({kind}:<name>)", transient: false);
        }

        if (Find(reference) is { } channel)
        {
            return channel;
        }

        var other = _byName.TryGetValue(parsed.Name, out var sameName) ? $"; '{parsed.Name}' is a {sameName.Kind} channel" : "";
        throw new AlertDeliveryException(
            $"channel {reference} is not configured (set {SectionName}:{parsed.Name}){other}", transient: false);
    }

    /// <summary>Replaces every secret (passwords, webhook URLs) found in <paramref name="text"/> by <c>***</c>.</summary>
    public string Mask(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, SecretSettings.Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Loads the catalog; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static AlertChannelCatalog Load(IConfiguration? configuration, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var channels = new Dictionary<string, AlertChannel>(StringComparer.Ordinal);
        if (configuration is not null)
        {
            foreach (var section in configuration.GetSection(SectionName).GetChildren())
            {
                var channel = FromSection(section);
                channels[channel.Name] = channel;
            }
        }

        foreach (var (key, value) in environment)
        {
            if (key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && key.Length > EnvironmentPrefix.Length && value.Length > 0)
            {
                // Channel names are usually written with dashes (data-team, like a Slack channel); a variable name cannot hold one.
                var name = CheckName(key[EnvironmentPrefix.Length..].ToLowerInvariant().Replace('_', '-'), key);
                channels[name] = AlertChannelSettings.Build(name, key, AlertChannelUri.Parse(key, value));
            }
        }

        return new AlertChannelCatalog(channels.Values);
    }

    /// <summary>The process environment, for <see cref="Load"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment()
        => Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, e.Value as string ?? ""));

    private static AlertChannel FromSection(IConfigurationSection section)
    {
        var name = CheckName(section.Key, section.Path);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            // A list (to:0, to:1...) arrives as children; it means the same as a comma-separated string.
            var value = child.Value ?? string.Join(",", child.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)));
            if (value.Length > 0)
            {
                settings[child.Key] = value;
            }
        }

        if (settings.Remove("uri", out var uri))
        {
            var parsed = AlertChannelUri.Parse(section.Path, uri);
            if (settings.TryGetValue("type", out var declared) && !declared.Equals(parsed["type"], StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"{section.Path}: type '{declared}' does not match the uri's scheme ({parsed["type"]})");
            }

            foreach (var (key, value) in settings)
            {
                parsed[key] = value;
            }

            settings = parsed;
        }

        return AlertChannelSettings.Build(name, section.Path, settings);
    }

    private static string CheckName(string name, string where)
        => Regex.IsMatch(name, Ids.Pattern)
            ? name
            : throw new FormatException($"{where}: '{name}' is not a channel name (lower-case letters, digits, '_', '-', '.')");
}
