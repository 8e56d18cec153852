using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>Seed 001's rules for an integration body and its tools; the metadata's rules are in <c>IntegrationRules.Metadata.cs</c>, which settings are credentials in <c>IntegrationRules.Credentials.cs</c>.</summary>
public static partial class IntegrationRules
{
    public const int MaxDisplayName = 100;
    public const int MaxDescription = 500;
    public const int MaxTags = 20;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    public static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,50}\\z")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}\\z")]
    private static partial Regex ParameterNamePattern();

    public static void Check(IntegrationInput input, bool creating, ValidationErrors errors)
    {
        if (creating && string.IsNullOrEmpty(input.Id))
        {
            errors.Add("id", "Id is required: 1 to 64 letters, digits, underscores or hyphens.");
        }
        else if (creating && !IdPattern().IsMatch(input.Id!))
        {
            // Say what was refused, so the message matches what the user typed.
            errors.Add("id", $"id '{Shorten(input.Id!)}' is not allowed: use 1 to 64 letters, digits, underscores or hyphens (no spaces or other characters).");
        }

        if (string.IsNullOrWhiteSpace(input.DisplayName))
        {
            errors.Add("displayName", "Display name is required.");
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

    private static string Shorten(string text)
    {
        var shown = new string(text.Take(70).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 70 ? shown + "…" : shown;
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
}
