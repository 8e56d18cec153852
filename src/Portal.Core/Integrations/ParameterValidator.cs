using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>
/// The one rule set for parameter values (config parameters, auth parameters, defaults): required,
/// type, ranges, options, rules and jsonSchema. Serves the API (field errors) and the UI form.
/// </summary>
public static class ParameterValidator
{
    private static readonly TimeSpan RegexTimeout = JsonLimits.RegexTimeout;

    /// <summary>Validates one value; returns the messages for its field (empty when valid).</summary>
    public static List<string> Check(ParameterMetadata meta, JsonNode? value)
    {
        var errors = new List<string>();
        if (IsEmpty(value))
        {
            if (meta.Required && meta.DefaultValue is null)
            {
                errors.Add($"{Label(meta)} is required.");
            }

            return errors;
        }

        if (JsonLimits.IsTooDeep(value))
        {
            errors.Add(JsonLimits.TooDeep(Label(meta)));
            return errors;
        }

        var kind = value!.GetValueKind();
        switch (meta.Type)
        {
            case ParameterType.String:
                if (kind != JsonValueKind.String)
                {
                    errors.Add($"{Label(meta)} must be a string.");
                    return errors;
                }

                var text = value.GetValue<string>();
                if (meta.Options is { Count: > 0 } options && !options.Any(o => o?.Value == text))
                {
                    errors.Add($"{Label(meta)} must be one of: {string.Join(", ", options.OfType<ParameterOption>().Select(o => o.Value))}.");
                }

                break;
            case ParameterType.Integer:
                if (kind != JsonValueKind.Number || !long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
                {
                    errors.Add($"{Label(meta)} must be a whole number.");
                    return errors;
                }

                CheckRange(meta, meta.IntegerRange, whole, errors);
                break;
            case ParameterType.Float:
                if (kind != JsonValueKind.Number || !double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                {
                    errors.Add($"{Label(meta)} must be a number.");
                    return errors;
                }

                CheckRange(meta, meta.FloatRange, real, errors);
                break;
            case ParameterType.Boolean:
                if (kind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{Label(meta)} must be true or false.");
                    return errors;
                }

                break;
            case ParameterType.Json:
                break;
        }

        if (kind == JsonValueKind.String)
        {
            CheckRules(meta, value.GetValue<string>(), errors);
        }

        if (meta.JsonSchema is not null)
        {
            CheckSchema(meta, value, errors);
        }

        return errors;
    }

    /// <summary>Validates a whole set of values against metadata, adding field errors under <paramref name="prefix"/>.</summary>
    public static void CheckAll(IEnumerable<ParameterMetadata> metadata, IReadOnlyDictionary<string, JsonNode?> values, ISet<string> setSecrets, string prefix, ValidationErrors errors)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var meta in metadata)
        {
            known.Add(meta.Name);
            values.TryGetValue(meta.Name, out var value);
            if (meta.Secret && IsEmpty(value) && setSecrets.Contains(meta.Name))
            {
                continue; // a stored credential satisfies "required"
            }

            foreach (var message in Check(meta, value))
            {
                errors.Add($"{prefix}.{meta.Name}", message);
            }
        }

        foreach (var name in values.Keys.Where(k => !known.Contains(k)))
        {
            errors.Add($"{prefix}.{name}", $"'{name}' is not a parameter of this integration.");
        }
    }

    /// <summary>Parses a default value (always a string on the wire) into the parameter's type.</summary>
    public static JsonNode? ParseDefault(ParameterMetadata meta)
    {
        if (meta.DefaultValue is null)
        {
            return null;
        }

        return meta.Type switch
        {
            ParameterType.String => JsonValue.Create(meta.DefaultValue),
            _ => TryParse(meta.DefaultValue) ?? JsonValue.Create(meta.DefaultValue),
        };
    }

    public static bool IsEmpty(JsonNode? value) =>
        value is null || (value.GetValueKind() == JsonValueKind.String && string.IsNullOrEmpty(value.GetValue<string>()));

    /// <summary>Checks that a schema given in metadata is itself a usable JSON Schema.</summary>
    public static string? SchemaProblem(JsonNode schema)
    {
        if (OfflineJsonSchema.Problem(schema) is { } problem)
        {
            return problem;
        }

        // NJsonSchema loads unknown types and broken patterns without complaint; the pattern then throws when a value is checked.
        return KeywordProblem(schema);
    }

    private static readonly HashSet<string> SchemaTypes = new(StringComparer.Ordinal) { "array", "boolean", "integer", "null", "number", "object", "string" };
    private static readonly string[] SubschemaMaps = ["properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas"];
    private static readonly string[] SubschemaLists = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
    private static readonly string[] Subschemas = ["items", "additionalItems", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties"];

    /// <summary>Checks the keywords of a schema and its subschemas that the loader lets through: <c>type</c> names and <c>pattern</c> regexes.</summary>
    private static string? KeywordProblem(JsonNode? node)
    {
        if (node is not JsonObject schema)
        {
            return null;
        }

        if (schema["type"] is { } type)
        {
            var names = type is JsonArray many ? many.ToList() : [type];
            if (names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out var name) || !SchemaTypes.Contains(name)))
            {
                return "jsonSchema names an unknown type: use array, boolean, integer, null, number, object or string.";
            }
        }

        var patterns = (schema["patternProperties"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
        if (schema["pattern"] is JsonValue pattern && pattern.TryGetValue<string>(out var text))
        {
            patterns.Add(text);
        }

        foreach (var p in patterns)
        {
            try
            {
                _ = new Regex(p, RegexOptions.None, RegexTimeout);
            }
            catch (ArgumentException)
            {
                return $"jsonSchema has an invalid pattern '{p}'.";
            }
        }

        var children = SubschemaMaps.SelectMany(k => (schema[k] as JsonObject)?.Select(p => p.Value) ?? [])
            .Concat(SubschemaLists.SelectMany(k => (schema[k] as JsonArray) ?? []))
            .Concat(Subschemas.Select(k => schema[k]));
        return children.Select(KeywordProblem).FirstOrDefault(p => p is not null);
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void CheckRange(ParameterMetadata meta, NumberRange? range, double number, List<string> errors)
    {
        if (range?.Min is { } min && number < min)
        {
            errors.Add($"{Label(meta)} must be at least {min.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (range?.Max is { } max && number > max)
        {
            errors.Add($"{Label(meta)} must be at most {max.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static void CheckRules(ParameterMetadata meta, string text, List<string> errors)
    {
        foreach (var rule in meta.Rules.OfType<ParameterRule>())
        {
            var pattern = rule.Type == "regex" && rule.Value?.GetValueKind() == JsonValueKind.String ? rule.Value.GetValue<string>() : null;
            var matched = pattern is null ? true : MatchesInTime(text, pattern);
            if (matched is null)
            {
                errors.Add($"{Label(meta)} cannot be checked: its regex rule '{pattern}' took longer than the {RegexTimeout.TotalMilliseconds} ms timeout on this value; use a simpler pattern.");
                continue;
            }

            var ok = rule.Type switch
            {
                "regex" => matched.Value,
                "minLength" => !TryNumber(rule.Value, out var n) || text.Length >= n,
                "maxLength" => !TryNumber(rule.Value, out var n) || text.Length <= n,
                "url" => Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp),
                "email" => text.Contains('@', StringComparison.Ordinal) && !text.StartsWith('@') && !text.EndsWith('@'),
                "notEmpty" => !string.IsNullOrWhiteSpace(text),
                _ => true,
            };
            if (!ok)
            {
                errors.Add(rule.Message ?? DefaultRuleMessage(meta, rule));
            }
        }
    }

    private static string DefaultRuleMessage(ParameterMetadata meta, ParameterRule rule) => rule.Type switch
    {
        "regex" => $"{Label(meta)} does not have the expected format.",
        "minLength" => $"{Label(meta)} must be at least {rule.Value} characters long.",
        "maxLength" => $"{Label(meta)} must be at most {rule.Value} characters long.",
        "url" => $"{Label(meta)} must be an absolute http(s) URL.",
        "email" => $"{Label(meta)} must be an e-mail address.",
        _ => $"{Label(meta)} must not be empty.",
    };

    private static bool TryNumber(JsonNode? node, out double number)
    {
        number = 0;
        return node?.GetValueKind() == JsonValueKind.Number && double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>Whether the text matches; null when the match ran past the timeout (or the pattern is broken).</summary>
    private static bool? MatchesInTime(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.None, RegexTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void CheckSchema(ParameterMetadata meta, JsonNode value, List<string> errors) =>
        errors.AddRange(OfflineJsonSchema.Validate(meta.JsonSchema!, value, Label(meta)));

    private static string Label(ParameterMetadata meta) => string.IsNullOrWhiteSpace(meta.DisplayName) ? meta.Name : meta.DisplayName;
}
