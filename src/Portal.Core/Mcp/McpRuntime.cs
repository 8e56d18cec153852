using Portal.Core.Audit;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Outbound;
using Portal.Core.Tenancy;

namespace Portal.Core.Mcp;

/// <summary>What an MCP request of one integration may see: whether it is enabled, its exposed tools and its config.</summary>
public sealed record McpServerState(string TenantId, string IntegrationId, bool Enabled, Guid? ConfigId, string? Description, IReadOnlyList<IntegrationTool> ExposedTools);

/// <summary>A tool call's answer: text for the client, and whether it is an error.</summary>
public sealed record McpToolOutcome(bool IsError, string Text);

/// <summary>
/// Serves the tools of an integration's MCP server: the sandbox answers from a deterministic simulator (no network, no
/// side effects), the real endpoint executes the tool's request with the published revision of the configured config.
/// </summary>
public sealed partial class McpRuntime
{
    private readonly IDbContextFactory<PortalDbContext> _dbFactory;
    private readonly IHttpClientFactory _httpFactory;
    private readonly ConfigAccess _configs;
    private readonly FeedCache<string, McpServerState?> _states;

    public McpRuntime(IDbContextFactory<PortalDbContext> dbFactory, IntegrationService integrations, CredentialProtector protector, Refusals refusals, IHttpClientFactory httpFactory, ChangeFeed feed, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _httpFactory = httpFactory;
        _configs = new ConfigAccess(integrations, protector, refusals);
        // tools/list and sandbox calls answer from memory until an integration or its MCP settings change.
        _states = new FeedCache<string, McpServerState?>(feed, time, 100_000, StringComparer.Ordinal);
        feed.Changed += change =>
        {
            if (change.Topic == ChangeTopic.Setup)
            {
                _states.Clear();
            }
        };
    }

    private static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>The settings and exposed tools of an integration's MCP server; null when the integration does not exist in the tenant.</summary>
    public ValueTask<McpServerState?> StateAsync(string tenantId, string integrationId, CancellationToken ct = default) =>
        _states.GetAsync($"{tenantId}|{integrationId}", (_, c) => ReadStateAsync(tenantId, integrationId, c), _ => null, ct);

    private async Task<McpServerState?> ReadStateAsync(string tenantId, string integrationId, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == tenantId && i.Id == integrationId, ct);
        if (integration is null)
        {
            return null;
        }

        var settings = await db.McpSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId && s.IntegrationId == integrationId, ct);
        var exposed = settings is null ? [] : McpSettingsService.ExposedToolIds(settings).ToHashSet(StringComparer.Ordinal);
        var tools = IntegrationService.ToolsOf(integration).Where(t => t.Id is not null && exposed.Contains(t.Id)).ToList();
        return new McpServerState(tenantId, integrationId, settings?.Enabled ?? false, settings?.ConfigId, settings?.Description, tools);
    }

    /// <summary>The sandbox: the tool's simulator template with arguments substituted, else a value generated from its input schema seeded by tool id and canonical arguments.</summary>
    public static McpToolOutcome Simulate(IntegrationTool tool, JsonObject? arguments)
    {
        var args = arguments ?? [];
        if (tool.Simulator?.Response is { } template)
        {
            return new McpToolOutcome(false, Substitute(template, name => args.TryGetPropertyValue(name, out var v) ? JsonText(v) : ""));
        }

        var canonical = CanonicalJson(args);
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes($"{tool.Id}\n{canonical}"));
        var random = new Random(BitConverter.ToInt32(seed, 0));
        var generated = Generate(tool.InputSchema ?? new JsonObject { ["type"] = "object" }, random, tool.Id ?? "value", depth: 0);
        return new McpToolOutcome(false, generated?.ToJsonString(Canonical) ?? "null");
    }

    /// <summary>Executes the tool's request against the upstream with the published revision of <paramref name="configId"/> and its credentials.</summary>
    public async Task<McpToolOutcome> ExecuteAsync(string tenantId, string integrationId, Guid? configId, IntegrationTool tool, JsonObject? arguments, CancellationToken ct = default)
    {
        if (configId is null)
        {
            return new McpToolOutcome(true, "This MCP server has no config: choose one in its MCP settings (configId).");
        }

        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var loaded = await _configs.LoadAsync(db, Actor.System(tenantId), integrationId, configId.Value, forWrite: false, ct);
        if (loaded.Value?.Entity is not { } config)
        {
            return new McpToolOutcome(true, $"Config '{configId}' of this MCP server no longer exists.");
        }

        var revision = config.PublishedRevisionId is { } revisionId
            ? await db.ConfigRevisions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == revisionId && r.TenantId == tenantId, ct)
            : null;
        if (revision is null)
        {
            return new McpToolOutcome(true, $"Config '{config.DisplayName}' has no published revision: publish it before calling tools.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var content = PortalJson.Deserialize<ConfigContent>(revision.ContentJson);
        foreach (var (name, value) in content.Parameters)
        {
            values[name] = value is null ? "" : JsonText(value, quoteStrings: false);
        }

        if (_configs.CredentialsOf(revision).GetValueOrDefault(ConfigRules.ParametersSection) is { } secrets)
        {
            foreach (var (name, value) in secrets)
            {
                values[name] = value;
            }
        }

        // Config values win over arguments, so a caller cannot point a tool at another host.
        var args = arguments ?? [];
        string Lookup(string name, Func<string, string> escapeArgument) =>
            values.TryGetValue(name, out var v) ? v : args.TryGetPropertyValue(name, out var a) ? escapeArgument(JsonText(a, quoteStrings: false)) : "";

        var url = Substitute(tool.Request!.Url!, n => Lookup(n, Uri.EscapeDataString));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new McpToolOutcome(true, "The tool's request URL is not an absolute http(s) URL once its placeholders are filled in.");
        }

        using var request = new HttpRequestMessage(new HttpMethod(tool.Request.Method!.ToUpperInvariant()), uri);
        if (tool.Request.Body is { } bodyTemplate && request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
        {
            request.Content = new StringContent(Substitute(bodyTemplate, n => Lookup(n, s => JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString())), Encoding.UTF8, "application/json");
        }

        foreach (var (name, template) in tool.Request.Headers ?? [])
        {
            var value = Substitute(template, n => Lookup(n, s => s));
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var http = _httpFactory.CreateClient(OutboundHttp.ClientName);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new McpToolOutcome(false, text)
                : new McpToolOutcome(true, $"The upstream answered HTTP {status} {ReasonPhrases.GetReasonPhrase(status)}.");
        }
        catch (Exception e) when (OAuth.CredentialTester.Refusal(e) is { } refused)
        {
            return new McpToolOutcome(true, $"The upstream call was refused: {refused}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new McpToolOutcome(true, $"The upstream did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            return new McpToolOutcome(true, $"Could not reach the upstream ({e.HttpRequestError}).");
        }
    }

    /// <summary>Object keys sorted at every level, compact: the same arguments give the same text.</summary>
    public static string CanonicalJson(JsonNode? node) => Sort(node)?.ToJsonString(Canonical) ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string Substitute(string template, Func<string, string> value) =>
        Placeholder().Replace(template, m => value(m.Groups[1].Value));

    /// <summary>A value as it goes into a template: strings JSON-escaped without quotes (or raw), everything else as JSON.</summary>
    private static string JsonText(JsonNode? value, bool quoteStrings = false) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => quoteStrings ? v.ToJsonString(Canonical) : v.GetValue<string>(),
        _ => Sort(value)!.ToJsonString(Canonical),
    };

    private static JsonNode? Generate(JsonNode schema, Random random, string name, int depth)
    {
        if (schema is not JsonObject s || depth > 6)
        {
            return null;
        }

        if (s["const"] is { } constant)
        {
            return constant.DeepClone();
        }

        if (s["enum"] is JsonArray { Count: > 0 } options)
        {
            return options[random.Next(options.Count)]?.DeepClone();
        }

        var type = s["type"] switch
        {
            JsonValue t when t.GetValueKind() == JsonValueKind.String => t.GetValue<string>(),
            JsonArray types => types.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t is not null and not "null"),
            _ => s["properties"] is not null ? "object" : "string",
        };
        switch (type)
        {
            case "object":
                var result = new JsonObject();
                if (s["properties"] is JsonObject properties)
                {
                    foreach (var (key, sub) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        result[key] = sub is null ? null : Generate(sub, random, key, depth + 1);
                    }
                }

                return result;
            case "array":
                var items = new JsonArray();
                var count = 1 + random.Next(3);
                for (var i = 0; i < count; i++)
                {
                    items.Add(s["items"] is { } itemSchema ? Generate(itemSchema, random, name, depth + 1) : JsonValue.Create(random.Next(1000)));
                }

                return items;
            case "integer":
                var min = s["minimum"]?.GetValue<long>() ?? 0;
                var max = s["maximum"]?.GetValue<long>() ?? Math.Max(min, 0) + 1000;
                return JsonValue.Create(min + (long)(random.NextDouble() * (max - min)));
            case "number":
                return JsonValue.Create(Math.Round(random.NextDouble() * 1000, 2));
            case "boolean":
                return JsonValue.Create(random.Next(2) == 1);
            default:
                return JsonValue.Create(s["format"]?.GetValue<string>() switch
                {
                    "date-time" => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(525600)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                    "email" => $"{name}{random.Next(1000)}@example.com",
                    "uri" => $"https://example.com/{name}/{random.Next(1000)}",
                    _ => $"{name}-{random.Next(100000):x5}",
                });
        }
    }
}
