using System.Text.Json;

namespace Functional.Formats;

/// <summary>
/// The words an error message uses for a JSON value that is not what a file format expects ("holds an array, expected a
/// number"), one vocabulary for every reader: the safetensors header (read token by token) and checkpoint.json (read as
/// a document).
/// </summary>
public static class JsonWords
{
    /// <summary>A JSON value's kind as a message names it: "an object", "an array", "text", "a number", "a boolean", "null".</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>The token a reader stands on, named as the value it starts (an end token or a property name as itself).</summary>
    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => Describe(JsonValueKind.Object),
        JsonTokenType.StartArray => Describe(JsonValueKind.Array),
        JsonTokenType.String => Describe(JsonValueKind.String),
        JsonTokenType.Number => Describe(JsonValueKind.Number),
        JsonTokenType.True or JsonTokenType.False => Describe(JsonValueKind.True),
        JsonTokenType.Null => Describe(JsonValueKind.Null),
        _ => token.ToString(),
    };
}
