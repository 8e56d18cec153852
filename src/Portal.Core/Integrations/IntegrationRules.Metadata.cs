using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>Seed 001's rules for <c>configMetadata</c>: auth methods, their settings, and parameters with their rules and defaults.</summary>
public static partial class IntegrationRules
{
    private static void CheckMetadata(ConfigMetadata metadata, ValidationErrors errors)
    {
        CheckParameters(metadata.ParametersMetadata, "configMetadata.parametersMetadata", errors);
        var authIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < metadata.AuthMetadata.Count; i++)
        {
            var auth = metadata.AuthMetadata[i];
            var at = $"configMetadata.authMetadata[{i}]";
            if (auth is null)
            {
                errors.Add(at, "An auth method cannot be null.");
                continue;
            }
            if (!IdPattern().IsMatch(auth.Id ?? ""))
            {
                errors.Add($"{at}.id", "An auth method needs an id: letters, digits, underscores or hyphens.");
            }
            else if (!authIds.Add(auth.Id!))
            {
                errors.Add($"{at}.id", $"Auth method id '{auth.Id}' appears twice.");
            }

            CheckParameters(auth.ParametersMetadata, $"{at}.parametersMetadata", errors);
            CheckParameters(auth.AuthMap.ParametersMetadata, $"{at}.authMap.parametersMetadata", errors);
            var settings = auth.AuthSettings.Parameters;
            if (auth.Type == AuthType.OAuth2)
            {
                RequireUrl(settings, "authorizationUrl", $"{at}.authSettings.parameters", errors);
                RequireUrl(settings, "tokenUrl", $"{at}.authSettings.parameters", errors);
                if (settings.GetValueOrDefault("clientId") is null)
                {
                    errors.Add($"{at}.authSettings.parameters.clientId", "An OAUTH2 auth method needs a clientId.");
                }
            }

            if (settings.GetValueOrDefault("testUrl") is not null)
            {
                RequireUrl(settings, "testUrl", $"{at}.authSettings.parameters", errors);
            }

            foreach (var (key, value) in settings)
            {
                if (value is not null && value is not JsonValue && !(key == "scopes" && value is JsonArray scopes && scopes.All(s => s is null or JsonValue)))
                {
                    errors.Add($"{at}.authSettings.parameters.{key}", key == "scopes" ? "scopes is a list of plain values." : "Auth settings are plain values.");
                }
            }
        }
    }

    private static void RequireUrl(Dictionary<string, JsonNode?> settings, string key, string at, ValidationErrors errors)
    {
        var text = settings.GetValueOrDefault(key) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{at}.{key}", $"{key} must be an absolute http(s) URL.");
        }
    }

    private static void CheckParameters(List<ParameterMetadata> parameters, string at, ValidationErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var here = $"{at}[{i}]";
            if (p is null)
            {
                errors.Add(here, "A parameter cannot be null.");
                continue;
            }

            CheckDocuments(p, here, errors);
            if (!ParameterNamePattern().IsMatch(p.Name ?? ""))
            {
                errors.Add($"{here}.name", "A parameter needs a name: a letter or '_' then letters, digits, '_', '.' or '-'.");
            }
            else if (!names.Add(p.Name!))
            {
                errors.Add($"{here}.name", $"Parameter '{p.Name}' appears twice.");
            }

            foreach (var (range, label) in new[] { (p.IntegerRange, "integerRange"), (p.FloatRange, "floatRange") })
            {
                if (range is { Min: { } min, Max: { } max } && min > max)
                {
                    errors.Add($"{here}.{label}", $"{label}.min must not exceed {label}.max.");
                }
            }

            if (p.Options is { Count: 0 })
            {
                errors.Add($"{here}.options", "options, when given, must list at least one value.");
            }
            else if (p.Options?.IndexOf(null!) is >= 0 and var blank)
            {
                errors.Add($"{here}.options[{blank}]", "An option cannot be null: give a string or {\"value\": …, \"displayName\": …}.");
            }

            if (p.JsonSchema is not null && ParameterValidator.SchemaProblem(p.JsonSchema) is { } problem)
            {
                errors.Add($"{here}.jsonSchema", problem);
            }

            var invalid = false;
            for (var r = 0; r < p.Rules.Count; r++)
            {
                var rule = p.Rules[r];
                if (rule is null)
                {
                    errors.Add($"{here}.rules[{r}]", "A rule cannot be null.");
                    invalid = true;
                }
                else if (rule.Type is not ("regex" or "minLength" or "maxLength" or "url" or "email" or "notEmpty"))
                {
                    errors.Add($"{here}.rules", $"Unknown rule type '{rule.Type}': use regex, minLength, maxLength, url, email or notEmpty.");
                }
                else if (rule.Type == "regex" && !IsRegex(rule.Value))
                {
                    errors.Add($"{here}.rules", "A regex rule needs a valid pattern in value.");
                }
            }

            if (p.Secret && p.DefaultValue is not null)
            {
                errors.Add($"{here}.defaultValue", "A secret parameter cannot have a default value: set it on each config, where it is stored encrypted.");
            }
            else if (p.DefaultValue is not null && !invalid)
            {
                foreach (var message in ParameterValidator.Check(p, ParameterValidator.ParseDefault(p)))
                {
                    errors.Add($"{here}.defaultValue", message);
                }
            }
        }
    }

    /// <summary>The free-form JSON of a parameter is stored as given: bound its depth so it can always be read back.</summary>
    private static void CheckDocuments(ParameterMetadata p, string here, ValidationErrors errors)
    {
        foreach (var (node, field) in new[] { (p.Asset, "asset"), (p.UiHint, "uiHint") })
        {
            if (JsonLimits.IsTooDeep(node))
            {
                errors.Add($"{here}.{field}", JsonLimits.TooDeep(field));
            }
        }

        for (var r = 0; r < p.Rules.Count; r++)
        {
            if (JsonLimits.IsTooDeep(p.Rules[r]?.Value))
            {
                errors.Add($"{here}.rules[{r}].value", JsonLimits.TooDeep("value"));
            }
        }
    }

    private static bool IsRegex(JsonNode? value)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var pattern))
        {
            return false;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.None, JsonLimits.RegexTimeout);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
