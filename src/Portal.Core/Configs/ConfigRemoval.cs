using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Core.Configs;

/// <summary>
/// Removes a config with everything that hangs off it, inside the caller's transaction: its webhook URLs
/// (its own and its bindings') are revoked, its bindings, events and revisions deleted. One place, used when a
/// config is deleted and when its integration is.
/// </summary>
internal static class ConfigRemoval
{
    public static async Task RemoveAsync(PortalDbContext db, KeyEngine keys, Actor actor, Config config, CancellationToken ct)
    {
        var target = $"integrations/{config.IntegrationId}/configs/{config.Id}";
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForConfig(config.Id), $"{target}/webhook", ct);
        var bindings = await db.WebhookBindings.Where(b => b.TenantId == actor.TenantId && b.ConfigId == config.Id).ToListAsync(ct);
        foreach (var binding in bindings)
        {
            await keys.RevokeAllAsync(db, actor, KeyOwner.ForBinding(binding.Id), $"{target}/bindings/{binding.Id}", ct);
        }

        db.WebhookBindings.RemoveRange(bindings);
        await db.WebhookEvents.Where(e => e.TenantId == actor.TenantId && e.ConfigId == config.Id).ExecuteDeleteAsync(ct);
        await db.ConfigRevisions.Where(r => r.TenantId == actor.TenantId && r.ConfigId == config.Id).ExecuteDeleteAsync(ct);
        db.Configs.Remove(config);
    }
}
