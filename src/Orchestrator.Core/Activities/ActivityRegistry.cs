namespace Orchestrator.Core.Activities;

/// <summary>
/// The activity types a process knows, by catalog name, and those its configuration disables (a workflow using one
/// is invalid, and an attempt of one fails).
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityDescriptor> _byType;
    private readonly HashSet<string> _disabled;

    public ActivityRegistry(IEnumerable<ActivityDescriptor> descriptors, IEnumerable<string>? disabled = null)
    {
        _disabled = new HashSet<string>(disabled ?? [], StringComparer.Ordinal);
        _byType = new Dictionary<string, ActivityDescriptor>(StringComparer.Ordinal);
        foreach (var descriptor in descriptors)
        {
            if (!_byType.TryAdd(descriptor.Type, descriptor))
            {
                throw new InvalidOperationException($"Activity type '{descriptor.Type}' is registered twice.");
            }
        }
    }

    public IReadOnlyCollection<ActivityDescriptor> All => _byType.Values.OrderBy(d => d.Type, StringComparer.Ordinal).ToArray();

    public IReadOnlyCollection<string> Types => _byType.Keys;

    public ActivityDescriptor? Find(string type) => _byType.GetValueOrDefault(type);

    public bool IsDisabled(string type) => _disabled.Contains(type);
}
