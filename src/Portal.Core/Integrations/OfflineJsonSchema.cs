using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.References;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>
/// The one way the portal loads and evaluates a user's JSON Schema: offline, bounded. Only local references
/// (<c>#</c>, <c>#/definitions/…</c>, <c>#/$defs/…</c>) are allowed, and the loader is given a resolver that refuses
/// files and URLs, so loading a schema never performs I/O (NJsonSchema's default resolver fetches any URL it is given,
/// past the outbound guard). NJsonSchema evaluates <c>pattern</c> without a timeout, so every pattern is first run
/// against every string of the value with one.
/// </summary>
public static class OfflineJsonSchema
{
    /// <summary>All pattern checks of one value together may take this long before the value is refused.</summary>
    private static readonly TimeSpan PatternBudget = TimeSpan.FromSeconds(1);

    /// <summary>Why <paramref name="schema"/> cannot be used (prefixed "jsonSchema"), or null when it loads offline.</summary>
    public static string? Problem(JsonNode schema) => Load(schema, out _);

    /// <summary>Loads a schema that passed <see cref="Problem"/>; null with a problem for anything else.</summary>
    public static string? Load(JsonNode schema, out JsonSchema? loaded)
    {
        loaded = null;
        if (JsonLimits.IsTooDeep(schema))
        {
            return JsonLimits.TooDeep("jsonSchema");
        }

        if (NonLocalReference(schema, "#") is { } where)
        {
            return $"jsonSchema has a $ref at {where} that is not local: only references inside the schema (#/definitions/…, #/$defs/…) are allowed; remote schemas are never fetched.";
        }

        try
        {
            loaded = JsonSchema.FromJsonAsync(schema.ToJsonString(), documentPath: null!, s => new RefusingResolver(s)).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return "jsonSchema is not a valid JSON Schema, or a $ref in it does not resolve inside the schema.";
        }
    }

    /// <summary>Validates <paramref name="value"/>; the messages name <paramref name="label"/>. Never fetches, never runs a pattern without a timeout.</summary>
    public static List<string> Validate(JsonNode schemaNode, JsonNode value, string label)
    {
        if (Load(schemaNode, out var schema) is { } problem)
        {
            return [$"{label} cannot be checked: its {problem}"];
        }

        if (PatternProblem(schemaNode, value) is { } slow)
        {
            return [$"{label} cannot be checked: {slow}"];
        }

        try
        {
            return schema!.Validate(value.ToJsonString()).Take(5).Select(p =>
            {
                var where = string.IsNullOrEmpty(p.Path) || p.Path == "#" ? "" : $" at {p.Path}";
                return $"{label} does not match its schema{where}: {p.Kind}.";
            }).ToList();
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidCastException or OverflowException or FormatException or ArgumentException)
        {
            return [$"{label} holds a value its schema cannot check (e.g. a number out of range)."];
        }
    }

    /// <summary>The JSON Pointer of the first <c>$ref</c> whose target is outside the document, or null.</summary>
    private static string? NonLocalReference(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key == "$ref" && (child is not JsonValue v || !v.TryGetValue<string>(out var target) || !target.StartsWith('#')))
                    {
                        return at;
                    }

                    if (NonLocalReference(child, $"{at}/{key.Replace("~", "~0").Replace("/", "~1")}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray a:
                return a.Select((child, i) => NonLocalReference(child, $"{at}/{i}")).FirstOrDefault(f => f is not null);
            default:
                return null;
        }
    }

    /// <summary>Runs every pattern of the schema on every string and property name of the value, with a timeout each and a budget in all.</summary>
    private static string? PatternProblem(JsonNode schema, JsonNode value)
    {
        var patterns = new HashSet<string>(StringComparer.Ordinal);
        Collect(schema, patterns);
        if (patterns.Count == 0)
        {
            return null;
        }

        var texts = new List<string>();
        Strings(value, texts);
        var clock = Stopwatch.StartNew();
        foreach (var pattern in patterns)
        {
            Regex regex;
            try
            {
                regex = new Regex(pattern, RegexOptions.None, JsonLimits.RegexTimeout);
            }
            catch (ArgumentException)
            {
                return $"its pattern '{pattern}' is not a valid regular expression.";
            }

            foreach (var text in texts)
            {
                try
                {
                    _ = regex.IsMatch(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    return $"its pattern '{pattern}' took longer than the {JsonLimits.RegexTimeout.TotalMilliseconds} ms timeout on this value; use a simpler pattern.";
                }

                if (clock.Elapsed > PatternBudget)
                {
                    return $"its patterns took longer than the {PatternBudget.TotalSeconds} s budget on this value; use simpler patterns or a smaller value.";
                }
            }
        }

        return null;
    }

    private static void Collect(JsonNode? node, HashSet<string> patterns)
    {
        if (node is JsonObject o)
        {
            if (o["pattern"] is JsonValue p && p.TryGetValue<string>(out var text))
            {
                patterns.Add(text);
            }

            if (o["patternProperties"] is JsonObject map)
            {
                patterns.UnionWith(map.Select(e => e.Key));
            }

            foreach (var (_, child) in o)
            {
                Collect(child, patterns);
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a)
            {
                Collect(child, patterns);
            }
        }
    }

    private static void Strings(JsonNode? node, List<string> texts)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    texts.Add(key);
                    Strings(child, texts);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Strings(child, texts);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                texts.Add(v.GetValue<string>());
                break;
        }
    }

    /// <summary>Resolves references inside the document only: a file or URL reference is an error, never a read or a request.</summary>
    private sealed class RefusingResolver(JsonSchema root) : JsonReferenceResolver(new JsonSchemaAppender(root, new DefaultTypeNameGenerator()))
    {
        public override Task<IJsonReference> ResolveFileReferenceAsync(string filePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Schemas are resolved offline: file references are not allowed.");

        public override Task<IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Schemas are resolved offline: remote references are not allowed.");
    }
}
