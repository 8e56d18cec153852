using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.Data;
using Portal.Hosting;

namespace Portal.Features.Mcp;

/// <summary>
/// Seed 002's JSON-RPC endpoints, served by the MCP C# SDK (Streamable HTTP, stateless): <c>…/mcp:call</c> runs tools
/// against the upstream, <c>…/mcp:test</c> against the simulator. Each request is admitted by Core's <see cref="McpGate"/>
/// (the integration's <c>mcp_</c> key with its scope, MCP enabled; a refusal is audited there, once) and rate limited per key.
/// </summary>
public static class McpServerHosting
{
    public const string RequestsPerMinuteSetting = "Portal:Mcp:RequestsPerMinute";
    public const int DefaultRequestsPerMinute = 60;
    private const string CallPattern = "/v1/tenants/{tenant}/integrations/{integration}/mcp:call";
    private const string TestPattern = "/v1/tenants/{tenant}/integrations/{integration}/mcp:test";

    private sealed record McpRequest(McpServerState State, bool Sandbox);

    public static void AddPortalMcp(this IServiceCollection services)
    {
        services.AddSingleton<McpRuntime>();
        services.AddSingleton<McpGate>();
        services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "portal", Version = "1.0.0" };
            })
            .WithHttpTransport(o =>
            {
                o.Stateless = true;
                o.ConfigureSessionOptions = ConfigureAsync;
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
        endpoints.WithTags("MCP");
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
        var admission = await http.RequestServices.GetRequiredService<McpGate>()
            .AdmitAsync(tenant, integration, BearerOf(http), http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        switch (admission.Outcome)
        {
            case McpAdmissionOutcome.Unauthorized:
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: admission.Detail).ExecuteAsync(http);
                return;
            case McpAdmissionOutcome.Forbidden:
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: admission.Detail).ExecuteAsync(http);
                return;
        }

        if (!await WithinBudgetAsync(http, tenant, integration))
        {
            return;
        }

        http.Items[typeof(McpRequest)] = new McpRequest(admission.State!, sandbox);
        await inner(http);
    }

    /// <summary>
    /// The per-key budget (<c>Portal:Mcp:RequestsPerMinute</c>, <c>mcp:call</c> and <c>mcp:test</c> together), counted in the
    /// database so it holds in total across instances; partitioned by the key's SHA-256, so no key shares another's budget.
    /// Only admitted keys spend it: a refused key never reaches this line.
    /// </summary>
    private static async Task<bool> WithinBudgetAsync(HttpContext http, string tenant, string integration)
    {
        var presented = BearerOf(http) ?? "";
        var partition = "mcp:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        var limit = Math.Max(1, http.RequestServices.GetRequiredService<IConfiguration>().GetValue(RequestsPerMinuteSetting, DefaultRequestsPerMinute));
        var decision = await http.RequestServices.GetRequiredService<SharedRateLimiter>().TryAcquireAsync(partition, limit, TimeSpan.FromMinutes(1), http.RequestAborted, leased: true);
        if (decision.Allowed)
        {
            return true;
        }

        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<McpGate>().RateLimitedAsync(tenant, integration, presented, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: "This MCP key exceeded its request budget; retry after the time in Retry-After.").ExecuteAsync(http);
        return false;
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
}
