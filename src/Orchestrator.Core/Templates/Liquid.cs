using System.Globalization;
using Fluid;
using Fluid.Ast;
using Fluid.Parser;

namespace Orchestrator.Core.Templates;

/// <summary>The shared Liquid parser and how a template string is recognised.</summary>
public static class Liquid
{
    /// <summary>Thread-safe once built; building it is the expensive part.</summary>
    public static readonly FluidParser Parser = new(new FluidParserOptions { AllowFunctions = false });

    public static bool IsTemplate(string text)
        => text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal);

    /// <summary>Parses a template; on failure returns false and a message without Fluid's echo of the source.</summary>
    public static bool TryParse(string text, out IFluidTemplate template, out string error)
    {
        if (Parser.TryParse(text, out template!, out error!))
        {
            error = "";
            return true;
        }

        var cut = error.IndexOf("\nSource:", StringComparison.Ordinal);
        error = (cut > 0 ? error[..cut] : error).Trim();
        return false;
    }

    /// <summary>
    /// The expression of a template that is exactly one <c>{{ expr }}</c> (surrounding blanks allowed), or null.
    /// Such a value keeps its JSON type when rendered.
    /// </summary>
    public static Expression? SingleExpression(IFluidTemplate template)
    {
        if (template is not FluidTemplate fluid)
        {
            return null;
        }

        var meaningful = fluid.Statements
            .Where(s => s is not TextSpanStatement text || !string.IsNullOrWhiteSpace(text.Text.ToString()))
            .ToList();
        return meaningful is [OutputStatement output] ? output.Expression : null;
    }

    public static TemplateOptions CreateOptions(TimeProvider time)
    {
        var options = new TemplateOptions
        {
            CultureInfo = CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
            Now = () => time.GetUtcNow(),
        };
        return options;
    }
}
