using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Mcp;

/// <summary>
/// Seed 002: MCP settings of an integration. The first transition of <c>enabled</c> to true mints the <c>mcp_</c> key
/// (scope <c>mcp:invoke</c>) through the key engine and returns it once; disabling keeps it; rotating replaces it at once.
/// </summary>
public sealed class McpSettingsService(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, IOptions<PortalOptions> portal, TimeProvider time)
{
    public const string Scope = "mcp:invoke";
    public const int MaxDescription = 500;

    public static string AuditTarget(string integrationId) => $"integrations/{integrationId}/mcp";

    public async Task<Result<McpSettingsView>> GetAsync(Actor actor, string integrationId, string requestBaseUrl, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Integrations.AnyAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct))
        {
            return IntegrationService.NotFound(integrationId);
        }

        var settings = await db.Set<McpSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.IntegrationId == integrationId, ct);
        return await ViewAsync(db, actor.TenantId, integrationId, settings, requestBaseUrl, apiKey: null, ct);
    }

    public async Task<Result<McpSettingsView>> UpdateAsync(Actor actor, string integrationId, McpSettingsInput input, string requestBaseUrl, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct);
        if (integration is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return Error.Forbidden();
        }

        var errors = new ValidationErrors();
        if (input.ExposedToolIds is { } exposed)
        {
            var tools = IntegrationService.ToolsOf(integration).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in exposed.Where(id => id is null || !tools.Contains(id)).Distinct())
            {
                errors.Add("exposedToolIds", $"Tool '{id}' does not exist on integration '{integrationId}'.");
            }
        }

        if (input.ConfigId is { } configId && !await db.Configs.AnyAsync(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId && c.Id == configId, ct))
        {
            errors.Add("configId", $"Config '{configId}' is not a config of integration '{integrationId}'.");
        }

        if (input.Description is { Length: > MaxDescription })
        {
            errors.Add("description", $"description must be at most {MaxDescription} characters.");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var now = time.NowMs();
        var settings = await db.Set<McpSettings>().FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.IntegrationId == integrationId, ct);
        if (settings is null)
        {
            db.Add(settings = new McpSettings { TenantId = actor.TenantId, IntegrationId = integrationId, CreatedAt = now });
        }

        settings.Enabled = input.Enabled ?? settings.Enabled;
        settings.ConfigId = input.ConfigId ?? settings.ConfigId;
        settings.Description = input.Description ?? settings.Description;
        if (input.ExposedToolIds is not null)
        {
            settings.ExposedToolIdsJson = PortalJson.Serialize(input.ExposedToolIds.Distinct(StringComparer.Ordinal).ToList());
        }

        settings.ModifiedAt = now;
        string? apiKey = null;
        if (settings.Enabled && await KeyEngine.ActiveAsync(db, actor.TenantId, KeyOwner.ForMcp(integrationId), ct) is null)
        {
            // The first transition to enabled: mint the key this MCP server is called with.
            var minted = await keys.IssueAsync(actor, KeyKind.McpKey, KeyOwner.ForMcp(integrationId), IssueMode.First, AuditTarget(integrationId), scopes: [Scope], ct: ct);
            if (minted.IsSuccess)
            {
                apiKey = minted.Value!.Secret.Value;
            }
            else if (minted.Error!.Kind != ErrorKind.Conflict)
            {
                return minted.Error;
            }
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "mcp.update", AuditTarget(integrationId)));
        await db.SaveChangesAsync(ct);
        return await ViewAsync(db, actor.TenantId, integrationId, settings, requestBaseUrl, apiKey, ct);
    }

    /// <summary>Mints a fresh key, binds it and revokes the previous one at once.</summary>
    public async Task<Result<McpSettingsView>> RotateKeyAsync(Actor actor, string integrationId, string requestBaseUrl, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Integrations.AnyAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct))
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return Error.Forbidden();
        }

        var settings = await db.Set<McpSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.IntegrationId == integrationId, ct);
        if (settings is null || await KeyEngine.ActiveAsync(db, actor.TenantId, KeyOwner.ForMcp(integrationId), ct) is null)
        {
            return Error.BadRequest("MCP has never been enabled for this integration, so it has no key to rotate: enable it first.");
        }

        var minted = await keys.IssueAsync(actor, KeyKind.McpKey, KeyOwner.ForMcp(integrationId), IssueMode.Rotate, AuditTarget(integrationId), scopes: [Scope], ct: ct);
        if (!minted.IsSuccess)
        {
            return minted.Error!;
        }

        return await ViewAsync(db, actor.TenantId, integrationId, settings, requestBaseUrl, minted.Value!.Secret.Value, ct);
    }

    /// <summary>The absolute URL of an MCP endpoint (<c>mcp:call</c> or <c>mcp:test</c>).</summary>
    public string Url(string tenant, string integrationId, string requestBaseUrl, string action) =>
        $"{(portal.Value.PublicBaseUrl is { Length: > 0 } configured ? configured : requestBaseUrl).TrimEnd('/')}/v1/tenants/{Uri.EscapeDataString(tenant)}/integrations/{Uri.EscapeDataString(integrationId)}/mcp:{action}";

    public static IReadOnlyList<string> ExposedToolIds(McpSettings settings) => PortalJson.Deserialize<List<string>>(settings.ExposedToolIdsJson);

    private async Task<McpSettingsView> ViewAsync(PortalDbContext db, string tenant, string integrationId, McpSettings? settings, string requestBaseUrl, string? apiKey, CancellationToken ct)
    {
        var key = await KeyEngine.ActiveAsync(db, tenant, KeyOwner.ForMcp(integrationId), ct);
        return new McpSettingsView
        {
            IntegrationId = integrationId,
            Enabled = settings?.Enabled ?? false,
            ConfigId = settings?.ConfigId,
            ExposedToolIds = settings is null ? [] : ExposedToolIds(settings),
            Description = settings?.Description,
            ApiKeyId = key?.Id,
            CallUrl = Url(tenant, integrationId, requestBaseUrl, "call"),
            TestUrl = Url(tenant, integrationId, requestBaseUrl, "test"),
            CreatedAt = settings?.CreatedAt ?? 0,
            ModifiedAt = settings?.ModifiedAt ?? 0,
            KeyPrefix = key?.KeyPrefix,
            KeyLastUsedAt = key?.LastUsedAt,
            ApiKey = apiKey,
        };
    }
}
