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
/// (scope <c>mcp:invoke</c>) through the key engine, in the same transaction as the settings, and returns it once; disabling keeps it; rotating replaces it at once.
/// </summary>
public sealed class McpSettingsService(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, Refusals refusals, IOptions<PortalOptions> portal, TimeProvider time)
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
        var key = await KeyEngine.ActiveAsync(db, actor.TenantId, KeyOwner.ForMcp(integrationId), ct);
        return View(actor.TenantId, integrationId, settings, requestBaseUrl, key, apiKey: null);
    }

    /// <summary>Saves the settings; the first transition to enabled mints the key in the same transaction, so either both are saved or neither.</summary>
    public Task<Result<McpSettingsView>> UpdateAsync(Actor actor, string integrationId, McpSettingsInput input, string requestBaseUrl, CancellationToken ct = default) =>
        dbFactory.RunAsync(db => UpdateAsync(db, actor, integrationId, input, requestBaseUrl, ct), ct);

    /// <summary>Mints a fresh key, binds it and revokes the previous one at once.</summary>
    public Task<Result<McpSettingsView>> RotateKeyAsync(Actor actor, string integrationId, string requestBaseUrl, CancellationToken ct = default) =>
        dbFactory.RunAsync(db => RotateKeyAsync(db, actor, integrationId, requestBaseUrl, ct), ct);

    /// <summary>The absolute URL of an MCP endpoint (<c>mcp:call</c> or <c>mcp:test</c>).</summary>
    public string Url(string tenant, string integrationId, string requestBaseUrl, string action) =>
        $"{(portal.Value.PublicBaseUrl is { Length: > 0 } configured ? configured : requestBaseUrl).TrimEnd('/')}/v1/tenants/{Uri.EscapeDataString(tenant)}/integrations/{Uri.EscapeDataString(integrationId)}/mcp:{action}";

    public static IReadOnlyList<string> ExposedToolIds(McpSettings settings) => PortalJson.Deserialize<List<string>>(settings.ExposedToolIdsJson);

    private async Task<Result<McpSettingsView>> UpdateAsync(PortalDbContext db, Actor actor, string integrationId, McpSettingsInput input, string requestBaseUrl, CancellationToken ct)
    {
        var integration = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct);
        if (integration is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "mcp.update", AuditTarget(integrationId), db, ct);
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
        var key = await KeyEngine.ActiveAsync(db, actor.TenantId, KeyOwner.ForMcp(integrationId), ct);
        string? apiKey = null;
        if (settings.Enabled && key is null)
        {
            // The first transition to enabled: mint the key this MCP server is called with, saved with the settings.
            var minted = await keys.IssueAsync(db, actor, KeyKind.McpKey, KeyOwner.ForMcp(integrationId), IssueMode.First, AuditTarget(integrationId), scopes: [Scope], ct: ct);
            if (!minted.IsSuccess)
            {
                return minted.Error!;
            }

            apiKey = minted.Value!.Secret.Value;
            key = Staged(minted.Value);
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "mcp.update", AuditTarget(integrationId)));
        return View(actor.TenantId, integrationId, settings, requestBaseUrl, key, apiKey);
    }

    private async Task<Result<McpSettingsView>> RotateKeyAsync(PortalDbContext db, Actor actor, string integrationId, string requestBaseUrl, CancellationToken ct)
    {
        if (!await db.Integrations.AnyAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct))
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "key.rotate", AuditTarget(integrationId), db, ct);
        }

        var settings = await db.Set<McpSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.IntegrationId == integrationId, ct);
        if (settings is null || await KeyEngine.ActiveAsync(db, actor.TenantId, KeyOwner.ForMcp(integrationId), ct) is null)
        {
            return Error.BadRequest("MCP has never been enabled for this integration, so it has no key to rotate: enable it first.");
        }

        var minted = await keys.IssueAsync(db, actor, KeyKind.McpKey, KeyOwner.ForMcp(integrationId), IssueMode.Rotate, AuditTarget(integrationId), scopes: [Scope], ct: ct);
        return minted.IsSuccess
            ? View(actor.TenantId, integrationId, settings, requestBaseUrl, Staged(minted.Value!), minted.Value!.Secret.Value)
            : minted.Error!;
    }

    /// <summary>A key minted in this unit of work, as the view shows it (it is not in the store until the unit commits).</summary>
    private static KeyInfo Staged(MintedKey minted) => new(minted.KeyId, minted.Secret.DisplayPrefix, minted.CreatedAt, null, null, null, Active: true);

    private McpSettingsView View(string tenant, string integrationId, McpSettings? settings, string requestBaseUrl, KeyInfo? key, string? apiKey) =>
        new()
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
