namespace Orchestrator.Core.Model;

/// <summary>A reference to a configured alert channel, written <c>kind:name</c>.</summary>
public sealed record ChannelReference(string Kind, string Name)
{
    public const string Pattern = "^(email|slack):[a-z0-9][a-z0-9_.-]*$";

    public override string ToString() => $"{Kind}:{Name}";

    public static ChannelReference Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !System.Text.RegularExpressions.Regex.IsMatch(text, Pattern))
        {
            throw new FormatException($"'{text}' is not a channel reference (expected email:name or slack:name).");
        }

        return new ChannelReference(text[..colon], text[(colon + 1)..]);
    }
}
