using Fluid;
using Fluid.Ast;

namespace Orchestrator.Core.Templates;

/// <summary>
/// The filters a template uses that the renderer does not know. Fluid parses any filter name and, at render time,
/// passes the value through an unknown one unchanged, so a typo (<c>| upcase</c> as <c>| uppercase</c>) would go
/// unnoticed.
/// </summary>
public sealed class TemplateFilters : AstVisitor
{
    private static readonly FilterCollection Known = Liquid.CreateOptions(TimeProvider.System).Filters;
    private readonly List<string> _unknown = [];

    public static IReadOnlyCollection<string> KnownNames => Known.Select(f => f.Key).Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<string> Unknown(IFluidTemplate template)
    {
        var visitor = new TemplateFilters();
        visitor.VisitTemplate(template);
        return visitor._unknown.Distinct(StringComparer.Ordinal).ToList();
    }

    protected override Expression VisitFilterExpression(FilterExpression filterExpression)
    {
        if (!Known.TryGetValue(filterExpression.Name, out _))
        {
            _unknown.Add(filterExpression.Name);
        }

        return base.VisitFilterExpression(filterExpression);
    }
}
