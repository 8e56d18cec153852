using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Configs;

/// <summary>
/// Removes a config with everything that hangs off it, inside the caller's transaction: its webhook URLs
/// (its own and its bindings') are revoked here, because keys name their owner by a string, not a foreign key;
/// its bindings, received events and revisions go with it by the foreign keys' cascade. One place, used when a
/// config is deleted and when its integration is.
/// </summary>
internal static class ConfigRemoval
{
    public static async Task RemoveAsync(PortalDbContext db, KeyEngine keys, Actor actor, Config config, CancellationToken ct)
    {
        var target = $"integrations/{config.IntegrationId}/configs/{config.Id}";
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForConfig(config.Id), $"{target}/webhook", ct);
        var bindings = await db.WebhookBindings.Where(b => b.TenantId == actor.TenantId && b.ConfigId == config.Id).Select(b => b.Id).ToListAsync(ct);
        foreach (var binding in bindings)
        {
            await keys.RevokeAllAsync(db, actor, KeyOwner.ForBinding(binding), $"{target}/bindings/{binding}", ct);
        }

        db.Configs.Remove(config);
    }
}
