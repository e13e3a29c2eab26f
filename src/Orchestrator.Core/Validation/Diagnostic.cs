using Orchestrator.Core.Json;

namespace Orchestrator.Core.Validation;

/// <summary>A located validation error: <c>file:line:col: error CODE: message</c>.</summary>
public sealed record Diagnostic(string File, TextPosition Position, string Path, string Code, string Message)
{
    /// <summary>Compiler-style line, as editors and CI logs understand it.</summary>
    public override string ToString() => $"{File}:{Position.Line}:{Position.Column}: error {Code}: {Message} [{Path}]";
}

/// <summary>
/// Stable diagnostic codes. Never renumber: users grep for them and the documentation lists them.
/// </summary>
public static class DiagnosticCodes
{
    public const string JsonSyntax = "JSON001";
    public const string InvalidEncoding = "JSON002";
    public const string InvalidString = "JSON003";
    public const string UnknownProperty = "WF001";
    public const string MissingProperty = "WF002";
    public const string WrongType = "WF003";
    public const string ValueNotAllowed = "WF004";
    public const string InvalidId = "WF005";
    public const string OutOfRange = "WF006";
    public const string DuplicateProperty = "WF007";
    public const string PatternMismatch = "WF008";
    public const string DuplicateDependency = "WF009";
    public const string DuplicateTaskId = "WF010";
    public const string UnknownActivity = "WF011";
    public const string UnknownDependency = "WF012";
    public const string DependencyCycle = "WF013";
    public const string InvalidCron = "WF014";
    public const string InvalidTimeZone = "WF015";
    public const string InvalidDuration = "WF016";
    public const string InvalidTriggerRule = "WF017";
    public const string InvalidParam = "WF018";
    public const string InvalidDateTime = "WF019";
    public const string TemplateSyntax = "WF020";
    public const string UnknownParam = "WF021";
    public const string UnknownTask = "WF022";
    public const string TaskNotUpstream = "WF023";
    public const string InvalidBranchTarget = "WF024";
    public const string UnknownVariable = "WF025";
    public const string UnknownOutput = "WF026";
    public const string UnknownFilter = "WF027";
    public const string UnknownInput = "WF030";
    public const string MissingInput = "WF031";
    public const string InvalidInput = "WF032";
    public const string InvalidChannel = "WF040";
    public const string InvalidScheduleWindow = "WF041";
    public const string CronNeverFires = "WF042";
    public const string DuplicateWorkflowId = "WF043";
    public const string UnknownConnection = "WF050";
    public const string WrongConnectionType = "WF051";
    public const string DisabledActivity = "WF060";

    /// <summary>Code and one-line meaning, for the README and <c>orchestrator validate --codes</c>.</summary>
    public static readonly IReadOnlyList<(string Code, string Meaning)> All =
    [
        (JsonSyntax, "the file is not valid JSON"),
        (InvalidEncoding, "the file is not UTF-8 text (a byte that no UTF-8 character starts with)"),
        (InvalidString, "a string escape is not a character (a lone UTF-16 surrogate such as \\ud800)"),
        (UnknownProperty, "unknown property (typos must not pass silently)"),
        (MissingProperty, "a required property is missing"),
        (WrongType, "a value has the wrong JSON type"),
        (ValueNotAllowed, "a value is not one of the allowed values"),
        (InvalidId, "an id does not match ^[a-z0-9][a-z0-9_.-]*$"),
        (OutOfRange, "a number, string or list is outside its allowed range"),
        (DuplicateProperty, "the same property is written twice in one object"),
        (PatternMismatch, "a string does not match its required pattern"),
        (DuplicateDependency, "dependsOn names the same task twice"),
        (DuplicateTaskId, "two tasks have the same id"),
        (UnknownActivity, "the activity type is not in the catalog"),
        (UnknownDependency, "dependsOn names a task that does not exist"),
        (DependencyCycle, "the tasks depend on each other in a cycle"),
        (InvalidCron, "the cron expression does not parse, or has a range written backwards (1-0 * * * *)"),
        (InvalidTimeZone, "the time zone is unknown"),
        (InvalidDuration, "not an ISO 8601 duration such as PT30S"),
        (InvalidTriggerRule, "not one of Airflow's trigger rules"),
        (InvalidParam, "a param definition is inconsistent (default of the wrong type, bad constraint)"),
        (InvalidDateTime, "not an ISO 8601 date-time with offset"),
        (TemplateSyntax, "a Liquid template does not parse"),
        (UnknownParam, "a template reads a param that is not defined"),
        (UnknownTask, "a template reads outputs of a task that does not exist"),
        (TaskNotUpstream, "a template reads outputs of a task that is not upstream"),
        (InvalidBranchTarget, "core.branch follows a task that is not directly downstream of it"),
        (UnknownVariable, "a template reads a variable that does not exist"),
        (UnknownOutput, "a template reads an output the upstream activity does not produce"),
        (UnknownFilter, "a template uses a Liquid filter that does not exist"),
        (UnknownInput, "an activity input that the activity does not have"),
        (MissingInput, "a required activity input is missing"),
        (UnknownConnection, "a task or trigger names a connection that is not configured"),
        (WrongConnectionType, "a named connection is of a type the activity or trigger cannot use"),
        (DisabledActivity, "the activity is disabled on this server (Orchestrator:Activities:Disabled)"),
        (InvalidInput, "an activity input has the wrong type or value"),
        (InvalidChannel, "an alert channel is not written email:name or slack:name"),
        (InvalidScheduleWindow, "the schedule's start is after its end"),
        (CronNeverFires, "the schedule's cron has no occurrence at all (0 0 31 2 *: February has no 31st)"),
        (DuplicateWorkflowId, "two files define the same workflow id"),
    ];
}
