using Fluid;
using Fluid.Ast;

namespace Orchestrator.Core.Templates;

/// <summary>A variable path a template reads, e.g. <c>tasks.clean.outputs.path</c>.</summary>
public sealed record TemplateReference(IReadOnlyList<string> Segments)
{
    public string Root => Segments[0];

    public override string ToString() => string.Join('.', Segments);
}

/// <summary>Collects the variables a template reads, leaving out its own locals (for, assign, capture).</summary>
public sealed class TemplateReferences : AstVisitor
{
    private readonly List<TemplateReference> _references = [];
    private readonly HashSet<string> _locals = new(StringComparer.Ordinal) { "forloop", "tablerowloop", "empty", "blank", "nil", "null", "true", "false" };

    public static IReadOnlyList<TemplateReference> Collect(IFluidTemplate template)
    {
        var visitor = new TemplateReferences();
        visitor.VisitTemplate(template);
        return visitor._references.Where(r => !visitor._locals.Contains(r.Root)).ToArray();
    }

    protected override Expression VisitMemberExpression(MemberExpression memberExpression)
    {
        var segments = new List<string>();
        foreach (var segment in memberExpression.Segments)
        {
            if (segment is IdentifierSegment identifier)
            {
                segments.Add(identifier.Identifier);
            }
            else if (segment is IndexerSegment { Expression: LiteralExpression literal })
            {
                segments.Add(literal.Value.ToStringValue());
            }
            else
            {
                break;
            }
        }

        if (segments.Count > 0)
        {
            _references.Add(new TemplateReference(segments));
        }

        return base.VisitMemberExpression(memberExpression);
    }

    protected override Statement VisitForStatement(ForStatement forStatement)
    {
        _locals.Add(forStatement.Identifier);
        return base.VisitForStatement(forStatement);
    }

    protected override Statement VisitAssignStatement(AssignStatement assignStatement)
    {
        _locals.Add(assignStatement.Identifier);
        return base.VisitAssignStatement(assignStatement);
    }

    protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
    {
        _locals.Add(captureStatement.Identifier);
        return base.VisitCaptureStatement(captureStatement);
    }
}
