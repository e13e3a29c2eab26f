using System.Text.Json;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>Field-by-field equality of records, JSON compared by value.</summary>
public static class RecordAssert
{
    public static void Equal(RunRecord expected, RunRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Params = actual.Params }, actual);
        Assert.Equal(expected.Params.Keys.Order(StringComparer.Ordinal), actual.Params.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected.Params)
        {
            Assert.True(JsonElement.DeepEquals(value, actual.Params[name]), $"param '{name}': expected {value.GetRawText()}, got {actual.Params[name].GetRawText()}");
        }
    }

    public static void Equal(TaskInstanceRecord expected, TaskInstanceRecord actual)
    {
        Assert.Equal(expected with { Outputs = actual.Outputs }, actual);
        Assert.Equal(expected.Outputs.HasValue, actual.Outputs.HasValue);
        if (expected.Outputs is { } outputs)
        {
            Assert.True(JsonElement.DeepEquals(outputs, actual.Outputs!.Value), $"outputs of '{expected.TaskId}': expected {outputs.GetRawText()}, got {actual.Outputs!.Value.GetRawText()}");
        }
    }

    /// <summary>Attempts equal field by field, their rendered inputs as JSON values.</summary>
    public static void Equal(IReadOnlyList<AttemptRecord> expected, IReadOnlyList<AttemptRecord> actual)
    {
        Assert.Equal(expected.Select(a => a with { Inputs = null }), actual.Select(a => a with { Inputs = null }));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Inputs.HasValue, actual[i].Inputs.HasValue);
            if (expected[i].Inputs is { } inputs)
            {
                Assert.True(JsonElement.DeepEquals(inputs, actual[i].Inputs!.Value), $"inputs of '{expected[i].TaskId}': expected {inputs.GetRawText()}, got {actual[i].Inputs!.Value.GetRawText()}");
            }
        }
    }

    public static void Equal(IReadOnlyList<TaskInstanceRecord> expected, IReadOnlyList<TaskInstanceRecord> actual)
    {
        Assert.Equal(expected.Select(t => t.TaskId), actual.Select(t => t.TaskId));
        for (var i = 0; i < expected.Count; i++)
        {
            Equal(expected[i], actual[i]);
        }
    }
}
