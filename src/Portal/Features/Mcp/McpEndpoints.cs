using Portal.Core.Mcp;
using Portal.Hosting;

namespace Portal.Features.Mcp;

/// <summary>Seed 002: MCP settings of an integration and the rotation of its key.</summary>
public static class McpEndpoints
{
    public static void MapMcpSettingsEndpoints(this RouteGroupBuilder tenant)
    {
        var group = tenant.MapGroup("/integrations/{integration}").WithTags("MCP");

        group.MapGet("/mcp", (HttpContext http, string integration, McpSettingsService service) =>
                ApiResults.Ok(service.GetAsync(http.Actor(), integration, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("mcp.get").WithSummary("Get MCP settings for an integration.")
            .WithDescription("Defaults (disabled, no tools exposed) until the settings are first changed. The key itself is never returned here.");

        group.MapPatch("/mcp", (HttpContext http, string integration, McpSettingsInput body, McpSettingsService service) =>
                ApiResults.Ok(service.UpdateAsync(http.Actor(), integration, body, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("mcp.update").WithSummary("Update MCP settings for an integration.")
            .WithDescription("Patches enabled, configId, exposedToolIds and description; null fields are preserved. When enabled transitions to true for the first time, an MCP-scoped API key (mcp:invoke) is minted and returned exactly once on apiKey. Disabling keeps the key; the JSON-RPC endpoints then refuse calls.")
            .ProducesProblem(400).ProducesProblem(403).WithIdempotency();

        group.MapPost("/mcp:rotateKey", (HttpContext http, string integration, McpSettingsService service) =>
                ApiResults.Ok(service.RotateKeyAsync(http.Actor(), integration, http.RequestBaseUrl(), http.RequestAborted)))
            .WithName("mcp.rotateKey").WithSummary("Rotate the MCP key for an integration.")
            .WithDescription("Mints a fresh secret with the same mcp:invoke scope, binds it and revokes the original at once. The raw secret is returned once on apiKey.")
            .ProducesProblem(400).ProducesProblem(403).AcceptsEmptyJsonBody().WithIdempotency();
    }

    /// <summary>The request's own origin; <c>Portal:PublicBaseUrl</c> overrides it inside the service.</summary>
}
