using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portal.Core.Audit;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.Tenancy;
using Portal.Hosting;

namespace Portal.Features.Mcp;

/// <summary>
/// Seed 002's JSON-RPC endpoints, served by the MCP C# SDK (Streamable HTTP, stateless): <c>…/mcp:call</c> runs tools
/// against the upstream, <c>…/mcp:test</c> against the simulator. Each request is authenticated with the integration's
/// <c>mcp_</c> key through the key engine, refused while MCP is disabled, and rate limited per key.
/// </summary>
public static class McpServerHosting
{
    public const string RateLimitPolicy = "mcp";
    public const string RequestsPerMinuteSetting = "Portal:Mcp:RequestsPerMinute";
    public const int DefaultRequestsPerMinute = 60;
    private const string CallPattern = "/v1/tenants/{tenant}/integrations/{integration}/mcp:call";
    private const string TestPattern = "/v1/tenants/{tenant}/integrations/{integration}/mcp:test";

    private sealed record McpRequest(McpServerState State, bool Sandbox);

    public static void AddPortalMcp(this IServiceCollection services)
    {
        services.AddSingleton<McpRuntime>();
        services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "portal", Version = "1.0.0" };
            })
            .WithHttpTransport(o =>
            {
                o.Stateless = true;
                o.ConfigureSessionOptions = ConfigureAsync;
            });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimitPolicy, http =>
            {
                // Partitioned by the key itself (its SHA-256, as the key engine stores it): no key shares another's budget.
                var presented = BearerOf(http) ?? "";
                var partition = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
                var limit = http.RequestServices.GetRequiredService<IConfiguration>().GetValue(RequestsPerMinuteSetting, DefaultRequestsPerMinute);
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, limit),
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await AuditRefusalAsync(http, "mcp.rateLimited", KeyPrefixOf(BearerOf(http)), ct);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: "This MCP key exceeded its request budget; retry after the time in Retry-After.").ExecuteAsync(http);
            };
        });
    }

    public static void MapPortalMcp(this IEndpointRouteBuilder app)
    {
        Gate(app.MapMcp(CallPattern), sandbox: false);
        Gate(app.MapMcp(TestPattern), sandbox: true);
    }

    /// <summary>Wraps the SDK's endpoints: key check, enabled check, then the SDK; and the shared per-key rate limit.</summary>
    private static void Gate(IEndpointConventionBuilder endpoints, bool sandbox)
    {
        endpoints.WithTags("MCP").RequireRateLimiting(RateLimitPolicy);
        endpoints.Add(builder =>
        {
            var inner = builder.RequestDelegate ?? throw new InvalidOperationException("The MCP endpoint has no request delegate.");
            builder.RequestDelegate = http => AuthenticateAsync(http, inner, sandbox);
        });
    }

    private static async Task AuthenticateAsync(HttpContext http, RequestDelegate inner, bool sandbox)
    {
        var tenant = http.GetRouteValue("tenant") as string ?? "";
        var integration = http.GetRouteValue("integration") as string ?? "";
        var presented = BearerOf(http);
        var keys = http.RequestServices.GetRequiredService<KeyEngine>();
        var check = await keys.CheckAsync(KeyKind.McpKey, tenant, presented, KeyOwner.ForMcp(integration), http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        if (!check.IsValid)
        {
            await AuditRefusalAsync(http, $"mcp.refused.{check.Outcome.ToString().ToLowerInvariant()}", check.Key?.KeyPrefix ?? KeyPrefixOf(presented), http.RequestAborted);
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "A valid MCP key of this integration is required: Authorization: Bearer mcp_…").ExecuteAsync(http);
            return;
        }

        // Seed 002: the key is minted "with the mcp:invoke scope"; a key without it is known but not allowed to call.
        if (!check.Key!.HasScope(McpSettingsService.Scope))
        {
            await AuditRefusalAsync(http, "mcp.refused.scope", check.Key.KeyPrefix, http.RequestAborted);
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: $"This key does not carry the {McpSettingsService.Scope} scope: rotate the MCP key to get one that does.").ExecuteAsync(http);
            return;
        }

        var state = await http.RequestServices.GetRequiredService<McpRuntime>().StateAsync(tenant, integration, http.RequestAborted);
        if (state is null || !state.Enabled)
        {
            await AuditRefusalAsync(http, "mcp.refused.disabled", check.Key!.KeyPrefix, http.RequestAborted);
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "MCP is disabled for this integration.").ExecuteAsync(http);
            return;
        }

        http.Items[typeof(McpRequest)] = new McpRequest(state, sandbox);
        await inner(http);
    }

    /// <summary>Per request (stateless mode): the tools of this integration, real or simulated.</summary>
    private static Task ConfigureAsync(HttpContext http, McpServerOptions options, CancellationToken ct)
    {
        if (http.Items[typeof(McpRequest)] is not McpRequest request)
        {
            throw new InvalidOperationException("MCP request without an authenticated integration.");
        }

        var runtime = http.RequestServices.GetRequiredService<McpRuntime>();
        var state = request.State;
        options.ServerInfo = new Implementation { Name = $"portal-{state.IntegrationId}{(request.Sandbox ? "-sandbox" : "")}", Version = "1.0.0" };
        options.ServerInstructions = state.Description;
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Tools ??= new ToolsCapability();
        options.Handlers.ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult
        {
            Tools = state.ExposedTools.Select(t => new Tool
            {
                Name = t.Id!,
                Title = t.DisplayName,
                Description = t.Description,
                InputSchema = JsonSerializer.SerializeToElement(t.InputSchema ?? new JsonObject { ["type"] = "object" }),
            }).ToList(),
        });
        options.Handlers.CallToolHandler = async (context, cancel) =>
        {
            var name = context.Params?.Name;
            var tool = state.ExposedTools.FirstOrDefault(t => t.Id == name)
                ?? throw new McpProtocolException($"Unknown tool '{name}'.", McpErrorCode.InvalidParams);
            var arguments = context.Params?.Arguments is { } args
                ? new JsonObject(args.Select(a => KeyValuePair.Create(a.Key, JsonNode.Parse(a.Value.GetRawText()))))
                : new JsonObject();
            var outcome = request.Sandbox
                ? McpRuntime.Simulate(tool, arguments)
                : await runtime.ExecuteAsync(state.TenantId, state.IntegrationId, state.ConfigId, tool, arguments, cancel);
            return new CallToolResult { Content = [new TextContentBlock { Text = outcome.Text }], IsError = outcome.IsError };
        };
        return Task.CompletedTask;
    }

    private static string? BearerOf(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>What of a presented key may be audited: its display prefix, only when it is a well-formed MCP key.</summary>
    private static string? KeyPrefixOf(string? presented) =>
        SecretFormat.IsWellFormed(KeyPrefixes.McpKey, presented) ? SecretFormat.Display(KeyPrefixes.McpKey, presented!) : null;

    private static async Task AuditRefusalAsync(HttpContext http, string action, string? keyPrefix, CancellationToken ct)
    {
        var tenant = http.GetRouteValue("tenant") as string ?? "";
        var integration = http.GetRouteValue("integration") as string ?? "";
        var actor = new Actor(keyPrefix ?? "anonymous", ActorKind.System, tenant, TenantRole.Viewer, http.Connection.RemoteIpAddress?.ToString());
        await http.RequestServices.GetRequiredService<AuditService>()
            .RecordAsync(actor, action, McpSettingsService.AuditTarget(integration), AuditOutcomes.Denied, keyPrefix, ct);
    }
}
