using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Features.Integrations;

/// <summary>
/// The field errors Core answered for an integration (keyed like the API, <c>configMetadata.parametersMetadata[0].name</c>),
/// shown next to the structured fields in the user's words: technical names become the fields' labels.
/// </summary>
public sealed partial class EditorErrors(IReadOnlyDictionary<string, string[]> errors)
{
    public static readonly EditorErrors None = new(new Dictionary<string, string[]>());

    public IReadOnlyDictionary<string, string[]> All { get; } = errors;

    public bool Any => All.Count > 0;

    /// <summary>Whether the field <paramref name="key"/> (or a part of it, such as one option of a list) has an error.</summary>
    public bool Has(string key) => All.Keys.Any(k => Covers(key, k));

    /// <summary>The messages of the field and its parts, in words; null when none.</summary>
    public string? Text(string key)
    {
        var messages = All.Where(e => Covers(key, e.Key)).SelectMany(e => e.Value).Select(Humanize).ToList();
        return messages.Count == 0 ? null : string.Join(" ", messages);
    }

    /// <summary>How many errors lie under <paramref name="prefix"/> (a tab's badge).</summary>
    public int CountUnder(string prefix) => All.Where(e => e.Key == prefix || e.Key.StartsWith(prefix + ".", StringComparison.Ordinal) || e.Key.StartsWith(prefix + "[", StringComparison.Ordinal)).Sum(e => e.Value.Length);

    private static bool Covers(string field, string key) =>
        key == field || key.StartsWith(field + "[", StringComparison.Ordinal) || key.StartsWith(field + ".", StringComparison.Ordinal);

    /// <summary>Every error as "Where: what", for the summary at the top of the dialog.</summary>
    public IEnumerable<string> Lines() => All.SelectMany(e => e.Value.Select(m => $"{Describe(e.Key)}: {Humanize(m)}"));

    private static readonly (string Technical, string Label)[] Labels =
    [
        ("integerRange.min", "Integer minimum"), ("integerRange.max", "Integer maximum"),
        ("floatRange.min", "Float minimum"), ("floatRange.max", "Float maximum"),
        ("request.method", "Request method"), ("request.url", "Request URL"), ("request.headers", "Request headers"), ("request.body", "Request body"),
        ("simulator.response", "Simulator response"), ("authSettings.parameters", "Auth settings"),
        ("displayName", "Display name"), ("inputSchema", "Input schema"), ("jsonSchema", "JSON Schema"), ("defaultValue", "Default value"),
        ("authorizationUrl", "Authorize URL"), ("tokenUrl", "Token URL"), ("clientId", "Client id"), ("clientSecret", "Client secret"),
        ("testUrl", "Test URL"), ("headerName", "Header name"), ("integerRange", "Integer range"), ("floatRange", "Float range"),
        ("uiHint", "UI hint"), ("typeName", "Type name"), ("keyTemplate", "Key template"), ("supportedLevels", "Levels"),
        ("availableScopes", "Available scopes"), ("authProviderName", "Provider name"), ("configTestSupported", "Test connection"),
        ("parametersMetadata", "Parameters"), ("authMetadata", "Auth methods"), ("configMetadata", "Metadata"), ("OAUTH2", "OAuth 2"),
    ];

    /// <summary>A message with its technical names replaced by labels ("displayName must be…" → "Display name must be…").</summary>
    public static string Humanize(string message)
    {
        var text = message;
        foreach (var (technical, label) in Labels)
        {
            text = Regex.Replace(text, $@"(?<![A-Za-z0-9_.]){Regex.Escape(technical)}(?![A-Za-z0-9_])", label);
        }

        // A sentence that starts with a lower-case field name ("id is required", "options, when given…").
        return LeadingWord().Replace(text, m => char.ToUpperInvariant(m.Value[0]) + m.Value[1..]);
    }

    [GeneratedRegex(@"^(id|name|type|description|options|scopes|tags|rules)\b")]
    private static partial Regex LeadingWord();

    /// <summary>Where an error key points, in the dialog's words: <c>configMetadata.authMetadata[0].parametersMetadata[1].name</c> → "Auth method 1 › Parameter 2 › Name".</summary>
    public static string Describe(string key)
    {
        var parts = new List<string>();
        foreach (Match m in Segment().Matches(key))
        {
            var name = m.Groups["name"].Value;
            var index = m.Groups["index"].Success ? int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : (int?)null;
            var label = name switch
            {
                "configMetadata" or "parameters" or "authSettings" or "request" or "simulator" => null,
                "parametersMetadata" => index is null ? "Parameters" : $"Parameter {index}",
                "authMetadata" => index is null ? "Auth methods" : $"Auth method {index}",
                "authMap" => "Auth map",
                "tools" => index is null ? "MCP tools" : $"MCP tool {index}",
                "options" => index is null ? "Options" : $"Option {index}",
                "rules" => index is null ? "Rules" : $"Rule {index}",
                "min" => "Minimum",
                "max" => "Maximum",
                "method" => "Request method",
                "url" => "Request URL",
                "headers" => "Request headers",
                "body" => "Request body",
                "response" => "Simulator response",
                "integration" => "Integration",
                _ => Humanize(name) is var h && h != name ? h : char.ToUpperInvariant(name[0]) + name[1..],
            };
            if (label is not null)
            {
                parts.Add(label);
            }
        }

        return parts.Count == 0 ? key : string.Join(" › ", parts);
    }

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_-]*)(\[(?<index>\d+)\])?")]
    private static partial Regex Segment();

    /// <summary>
    /// A JSON text error in words: "Line 3: expected a value". Never the serializer's internals (.NET type names,
    /// "Path: $…", byte positions).
    /// </summary>
    public static string JsonProblem(JsonException ex, string root = "")
    {
        var line = ex.LineNumber is { } l ? $"Line {l + 1}: " : "";
        var message = ex.Message;
        var words = message switch
        {
            _ when message.Contains("invalid start of a value", StringComparison.Ordinal) || message.Contains("Expected a value", StringComparison.OrdinalIgnoreCase) => "expected a value",
            _ when message.Contains("is invalid after a value", StringComparison.Ordinal) => "expected a comma or a closing bracket",
            _ when message.Contains("is invalid after a property name", StringComparison.Ordinal) => "expected a colon after the name",
            _ when message.Contains("is an invalid start of a property name", StringComparison.Ordinal) => "expected a name in double quotes",
            _ when message.Contains("end of data", StringComparison.OrdinalIgnoreCase) || message.Contains("incomplete", StringComparison.OrdinalIgnoreCase) => "the text ends before the JSON is complete",
            _ when message.Contains("Expected depth to be zero", StringComparison.Ordinal) => "the text ends before every bracket is closed",
            _ when message.Contains("after a single JSON value", StringComparison.Ordinal) => "unexpected text after the end",
            _ when message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) => "a name appears twice in one object",
            _ when message.Contains("maximum configured depth", StringComparison.Ordinal) => "nested too deeply",
            _ when message.Contains("could not be converted", StringComparison.Ordinal) || message.Contains("Portal.", StringComparison.Ordinal)
                || message.Contains("System.", StringComparison.Ordinal) || message.Contains("Path:", StringComparison.Ordinal) => WrongValue(ex.Path, root),
            _ when message.Contains("LineNumber", StringComparison.Ordinal) || message.Contains("BytePosition", StringComparison.Ordinal) => "not valid JSON here",
            _ => Humanize(message), // a converter's own sentence ("An option is a string or an object with a value.")
        };
        return line + words;
    }

    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["parametersMetadata.type"] = "String, Integer, Float, Boolean or Json",
        ["authMetadata.type"] = "UNSPECIFIED, API_KEY, BEARER_TOKEN, BASIC, OAUTH2 or NONE",
        ["authMetadata.sensitivity"] = "UNSPECIFIED, LOW, MEDIUM or HIGH",
        ["authMetadata.supportedLevels"] = "APPLICATION or USER",
    };

    /// <summary>"$.parametersMetadata[0].type" → "Parameter 1 › Type must be one of String, Integer, Float, Boolean or Json".</summary>
    private static string WrongValue(string? path, string root)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "this is not the expected kind of value (an object, a list, text, a number or true/false)";
        }

        var key = (root + path.TrimStart('$')).TrimStart('.');
        var where = Describe(key);
        var shape = Regex.Replace(key, @"\[\d+\]", "");
        var tail = string.Join('.', shape.Split('.').TakeLast(2));
        return Allowed.TryGetValue(tail, out var allowed)
            ? $"{where} must be one of {allowed}"
            : $"{where} has the wrong kind of value (text, number, true/false, list or object)";
    }
}
