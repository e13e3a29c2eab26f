namespace Orchestrator.Server.Tests.Support;

/// <summary>The workflow files every test server starts with, by id (each is written to <c>&lt;id&gt;.json</c>).</summary>
public static class SeedWorkflows
{
    /// <summary>A manual workflow with one no-op task.</summary>
    public const string Noop = "noop";

    /// <summary><c>core.fail</c> failing its first <c>failures</c> attempts, one retry after 0.1 s.</summary>
    public const string Flaky = "flaky";

    /// <summary>Hourly (<c>0 * * * *</c>, UTC) with one no-op task.</summary>
    public const string Hourly = "hourly";

    /// <summary>One task sleeping a minute: something to cancel.</summary>
    public const string Sleeper = "sleeper";

    /// <summary><c>core.log</c> writing the <c>message</c> param.</summary>
    public const string Logger = "logger";

    /// <summary>A shell task printing three lines then failing, retried once: six output lines over two attempts.</summary>
    public const string Chatty = "chatty";

    /// <summary>A shell task printing its working directory.</summary>
    public const string WorkingDirectory = "working-directory";

    /// <summary>A valid file the folder-watcher tests overwrite with invalid JSON.</summary>
    public const string WatchedBroken = "watched-broken";

    /// <summary>A valid file the folder-watcher tests delete.</summary>
    public const string WatchedDeleted = "watched-deleted";

    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
    {
        [Noop] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "noop",
              "tasks": [ { "id": "nothing", "activity": "core.noop" } ]
            }
            """,
        [Flaky] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "flaky",
              "params": { "failures": { "type": "integer", "default": 0, "minimum": 0 } },
              "tasks": [
                { "id": "flaky", "activity": "core.fail", "retries": 1, "retryDelay": "PT0.1S",
                  "with": { "failAttempts": "{{ params.failures }}", "message": "failing on purpose" } }
              ]
            }
            """,
        [Hourly] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "hourly",
              "schedule": "0 * * * *",
              "tasks": [ { "id": "nothing", "activity": "core.noop" } ]
            }
            """,
        [Sleeper] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "sleeper",
              "tasks": [ { "id": "sleep", "activity": "core.sleep", "with": { "duration": "PT1M" } } ]
            }
            """,
        [Logger] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "logger",
              "params": { "message": { "type": "string", "default": "hello" } },
              "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "{{ params.message }}" } } ]
            }
            """,
        [Chatty] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "chatty",
              "tasks": [
                { "id": "talk", "activity": "core.shell", "retries": 1, "retryDelay": "PT0.1S",
                  "with": { "executable": "sh", "args": ["-c", "echo line-1; echo line-2; echo line-3; exit 1"] } }
              ]
            }
            """,
        [WorkingDirectory] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "working-directory",
              "tasks": [ { "id": "pwd", "activity": "core.shell", "with": { "executable": "pwd" } } ]
            }
            """,
        [WatchedBroken] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "watched-broken",
              "tasks": [ { "id": "nothing", "activity": "core.noop" } ]
            }
            """,
        [WatchedDeleted] = """
            {
              "$schema": "./workflow.schema.json",
              "id": "watched-deleted",
              "tasks": [ { "id": "nothing", "activity": "core.noop" } ]
            }
            """,
    };
}
