using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>Seed 001's rules for an integration body, and which settings are credentials.</summary>
public static partial class IntegrationRules
{
    public const int MaxDisplayName = 100;
    public const int MaxDescription = 500;
    public const int MaxTags = 20;

    /// <summary>
    /// Setting names that are always credentials, compared by <see cref="CredentialNameKey"/> (case, '_', '-', '.' and
    /// spaces ignored), so <c>client_secret</c>, <c>ClientSecret</c>, <c>API_KEY</c> and <c>api-key</c> count too.
    /// </summary>
    public static readonly IReadOnlySet<string> CredentialSettingNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "clientSecret", "apiKey", "password", "token", "accessToken", "refreshToken", "secret", "privateKey",
    };

    private static readonly HashSet<string> CredentialNameKeys = CredentialSettingNames.Select(CredentialNameKey).ToHashSet(StringComparer.Ordinal);

    /// <summary>A name reduced for comparison: lower case, without '_', '-', '.' and spaces (<c>API_KEY</c> → <c>apikey</c>).</summary>
    public static string CredentialNameKey(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-' or '.' or ' ')).Select(char.ToLowerInvariant));

    /// <summary>The one rule for "this name holds a credential" (clientSecret, apiKey, password, token, accessToken, refreshToken, secret, privateKey, in any spelling).</summary>
    public static bool IsCredentialName(string name) => CredentialNameKeys.Contains(CredentialNameKey(name));

    /// <summary>Whether two names are spellings of the same credential name (<c>apiKey</c> and <c>API_KEY</c>).</summary>
    public static bool SameCredentialName(string a, string b) => CredentialNameKey(a) == CredentialNameKey(b);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    public static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,50}\\z")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}\\z")]
    private static partial Regex ParameterNamePattern();

    /// <summary>The value stored under <paramref name="conventional"/> or another spelling of it (<c>apiKey</c>: <c>API_KEY</c>, <c>api-key</c>…); the exact name wins.</summary>
    public static string? FindCredential(IReadOnlyDictionary<string, string>? values, string conventional)
    {
        if (values is null)
        {
            return null;
        }

        return values.TryGetValue(conventional, out var exact)
            ? exact
            : values.Where(v => SameCredentialName(v.Key, conventional)).OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value).FirstOrDefault();
    }

    /// <summary>Whether an authSettings key holds a credential for this auth method: a credential name, or a parameter the method declares secret.</summary>
    public static bool IsCredentialSetting(AuthMetadata auth, string key) =>
        IsCredentialName(key)
        || auth.ParametersMetadata.Concat(auth.AuthMap.ParametersMetadata).Any(p => p.Secret && string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));

    public static void Check(IntegrationInput input, bool creating, ValidationErrors errors)
    {
        if (creating && (input.Id is null || !IdPattern().IsMatch(input.Id)))
        {
            errors.Add("id", "id is required: 1 to 64 letters, digits, underscores or hyphens.");
        }

        if (string.IsNullOrWhiteSpace(input.DisplayName))
        {
            errors.Add("displayName", "displayName is required.");
        }
        else if (input.DisplayName.Length > MaxDisplayName)
        {
            errors.Add("displayName", $"displayName must be at most {MaxDisplayName} characters.");
        }

        if (input.Description is { Length: > MaxDescription })
        {
            errors.Add("description", $"description must be at most {MaxDescription} characters.");
        }

        if (input.Tags is { } tags)
        {
            if (tags.Count > MaxTags)
            {
                errors.Add("tags", $"At most {MaxTags} tags.");
            }

            foreach (var tag in tags.Where(t => t is null || !TagPattern().IsMatch(t)))
            {
                errors.Add("tags", $"Tag '{tag}' is invalid: 1 to 50 letters, digits, '_', '.', ':' or '-'.");
            }
        }

        if (input.ConfigMetadata is { } metadata)
        {
            CheckMetadata(metadata, errors);
        }

        if (input.Tools is { } tools)
        {
            CheckTools(tools, errors);
        }
    }

    public static readonly IReadOnlySet<string> ToolMethods = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" };

    /// <summary>Tools: unique ids, a JSON Schema object as input, a request with a method and a URL.</summary>
    public static void CheckTools(IReadOnlyList<IntegrationTool?> tools, ValidationErrors errors)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tools.Count; i++)
        {
            var at = $"tools[{i}]";
            if (tools[i] is not { } tool)
            {
                errors.Add(at, "A tool cannot be null.");
                continue;
            }

            if (tool.Id is null || !IdPattern().IsMatch(tool.Id))
            {
                errors.Add($"{at}.id", "id is required: 1 to 64 letters, digits, underscores or hyphens.");
            }
            else if (!ids.Add(tool.Id))
            {
                errors.Add($"{at}.id", $"Tool id '{tool.Id}' is used twice.");
            }

            if (tool.DisplayName is { Length: > MaxDisplayName })
            {
                errors.Add($"{at}.displayName", $"displayName must be at most {MaxDisplayName} characters.");
            }

            if (tool.InputSchema is null)
            {
                errors.Add($"{at}.inputSchema", "inputSchema is required: a JSON Schema object, e.g. {\"type\":\"object\"}.");
            }
            else if (tool.InputSchema["type"] is { } type && (type.GetValueKind() != System.Text.Json.JsonValueKind.String || type.GetValue<string>() != "object"))
            {
                errors.Add($"{at}.inputSchema", "inputSchema must describe an object: its type must be \"object\".");
            }
            else if (ParameterValidator.SchemaProblem(tool.InputSchema) is { } problem)
            {
                errors.Add($"{at}.inputSchema", problem);
            }

            if (string.IsNullOrWhiteSpace(tool.Request?.Method) || !ToolMethods.Contains(tool.Request.Method))
            {
                errors.Add($"{at}.request.method", "request.method is required: GET, POST, PUT, PATCH, DELETE or HEAD.");
            }

            if (string.IsNullOrWhiteSpace(tool.Request?.Url))
            {
                errors.Add($"{at}.request.url", "request.url is required, e.g. {{baseUrl}}/items/{{id}}.");
            }
        }
    }

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
