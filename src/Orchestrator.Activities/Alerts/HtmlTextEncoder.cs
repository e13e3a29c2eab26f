using System.Text.Encodings.Web;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// Escapes only what HTML needs (&amp; &lt; &gt; " '): the framework's HtmlEncoder also encodes line breaks, which a
/// <c>&lt;pre&gt;</c> of log lines shows all the same but makes the message source unreadable.
/// </summary>
internal sealed class HtmlTextEncoder : TextEncoder
{
    public static readonly HtmlTextEncoder Instance = new();

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is '&' or '<' or '>' or '"' or '\'';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            if (WillEncode(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var replacement = unicodeScalar switch
        {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => char.ConvertFromUtf32(unicodeScalar),
        };
        if (replacement.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        for (var i = 0; i < replacement.Length; i++)
        {
            buffer[i] = replacement[i];
        }

        numberOfCharactersWritten = replacement.Length;
        return true;
    }
}
