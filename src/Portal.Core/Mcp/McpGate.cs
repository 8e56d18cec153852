using Portal.Core.Audit;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Mcp;

public enum McpAdmissionOutcome
{
    Admitted,

    /// <summary>No valid MCP key of this integration (HTTP 401).</summary>
    Unauthorized,

    /// <summary>A valid key that may not call now: no <c>mcp:invoke</c> scope, or MCP disabled (HTTP 403).</summary>
    Forbidden,
}

/// <summary>Whether an MCP request may run, and why not; <see cref="State"/> is set when admitted.</summary>
public sealed record McpAdmission(McpAdmissionOutcome Outcome, string Detail, McpServerState? State);

/// <summary>
/// Who may call an integration's MCP server (seed 002), decided and audited here: the <c>mcp_</c> key of this integration
/// (checked by the key engine), its <c>mcp:invoke</c> scope, and MCP enabled. Each refused request is audited exactly once,
/// on target <c>integrations/{id}/mcp</c>: <c>mcp.refused.{malformed|unknown|revoked|wrongowner}</c> by the key engine,
/// <c>mcp.refused.scope</c>, <c>mcp.refused.disabled</c> and <c>mcp.rateLimited</c> here.
/// </summary>
public sealed class McpGate(KeyEngine keys, McpRuntime runtime, Refusals refusals)
{
    public const string RefusedAction = "mcp.refused";

    public async Task<McpAdmission> AdmitAsync(string tenant, string integration, string? presented, string? ip, CancellationToken ct = default)
    {
        var target = McpSettingsService.AuditTarget(integration);
        var check = await keys.CheckAsync(KeyKind.McpKey, tenant, presented, KeyOwner.ForMcp(integration), ip, new KeyUse(RefusedAction, target), ct);
        if (!check.IsValid)
        {
            return new McpAdmission(McpAdmissionOutcome.Unauthorized, "A valid MCP key of this integration is required: Authorization: Bearer mcp_…", null);
        }

        var key = check.Key!;

        // Seed 002: the key is minted "with the mcp:invoke scope"; a key without it is known but not allowed to call.
        if (!key.HasScope(McpSettingsService.Scope))
        {
            await refusals.RecordAsync(KeyActor(tenant, key.KeyPrefix, ip), $"{RefusedAction}.scope", target, key.KeyPrefix, ct);
            return new McpAdmission(McpAdmissionOutcome.Forbidden, $"This key does not carry the {McpSettingsService.Scope} scope: rotate the MCP key to get one that does.", null);
        }

        var state = await runtime.StateAsync(tenant, integration, ct);
        if (state is null || !state.Enabled)
        {
            await refusals.RecordAsync(KeyActor(tenant, key.KeyPrefix, ip), $"{RefusedAction}.disabled", target, key.KeyPrefix, ct);
            return new McpAdmission(McpAdmissionOutcome.Forbidden, "MCP is disabled for this integration.", null);
        }

        return new McpAdmission(McpAdmissionOutcome.Admitted, "", state);
    }

    /// <summary>Audits a request refused because its key spent its request budget (the host's rate limiter refused it).</summary>
    public async Task RateLimitedAsync(string tenant, string integration, string? presented, string? ip, CancellationToken ct = default)
    {
        if (!TenantIds.IsValid(tenant))
        {
            return;
        }

        // What of a presented key may be audited: its display prefix, only when it is a well-formed MCP key.
        var prefix = SecretFormat.IsWellFormed(KeyPrefixes.McpKey, presented) ? SecretFormat.Display(KeyPrefixes.McpKey, presented!) : null;
        await refusals.RecordAsync(KeyActor(tenant, prefix, ip), "mcp.rateLimited", McpSettingsService.AuditTarget(integration), prefix, ct);
    }

    private static Actor KeyActor(string tenant, string? keyPrefix, string? ip) => new(keyPrefix ?? "anonymous", ActorKind.System, tenant, TenantRole.Viewer, ip);
}
