using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Overview;

/// <summary>
/// The tenant home page (browser) and <c>GET /v1/tenants/{tenant}/overview</c> (API): counts, what needs attention,
/// the last ten audit events. Read-only, so Viewers see it too; every query is the actor's tenant only.
/// </summary>
public sealed class OverviewService(IDbContextFactory<PortalDbContext> dbFactory, AuditService audit, KeyInventoryService keyInventory, TimeProvider time)
{
    /// <summary>At most this many attention items are listed (the total says how many there are).</summary>
    public const int MaxAttention = 20;

    public const int RecentActivity = 10;

    public async Task<TenantOverview> GetAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = actor.TenantId;
        var now = time.NowMs();

        var integrations = await db.Set<IntegrationCount>().Where(c => c.TenantId == tenant).SumAsync(c => c.Count, ct);
        var configs = await db.Configs.AsNoTracking().CountAsync(c => c.TenantId == tenant, ct);
        var keys = await db.IssuedKeys.AsNoTracking()
            .Where(k => k.TenantId == tenant && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .GroupBy(k => k.Kind)
            .Select(g => new { Kind = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var liveKeys = Enum.GetValues<KeyKind>().ToDictionary(KindName, k => keys.FirstOrDefault(x => x.Kind == k)?.Count ?? 0);
        liveKeys["apiClientSecret"] = await db.ApiClients.AsNoTracking().CountAsync(c => c.TenantId == tenant, ct);

        // A draft is unpublished when nothing was published or its content differs from the published revision's.
        var drafts = db.Configs.AsNoTracking().Where(c => c.TenantId == tenant)
            .Where(c => c.PublishedRevisionId == null
                        || db.ConfigRevisions.Any(r => r.Id == c.PublishedRevisionId && r.TenantId == tenant && r.ContentJson != c.ContentJson))
            .Select(c => new { c.IntegrationId, c.Id, c.DisplayName, c.ModifiedAt, Never = c.PublishedRevisionId == null });
        var reauth = db.Configs.AsNoTracking().Where(c => c.TenantId == tenant && c.AuthStatus == AuthStatus.NeedsReauth)
            .Select(c => new { c.IntegrationId, c.Id, c.DisplayName, c.ModifiedAt });
        var failed = db.Configs.AsNoTracking().Where(c => c.TenantId == tenant && c.LastVerificationSuccess == false && c.AuthStatus != AuthStatus.NeedsReauth)
            .Select(c => new { c.IntegrationId, c.Id, c.DisplayName, At = c.LastVerificationAt ?? c.ModifiedAt, c.LastVerificationError });

        var items = new List<AttentionItem>();
        var total = await reauth.CountAsync(ct) + await failed.CountAsync(ct) + await drafts.CountAsync(ct);
        items.AddRange((await reauth.OrderByDescending(c => c.ModifiedAt).Take(MaxAttention).ToListAsync(ct))
            .Select(c => new AttentionItem(AttentionKind.NeedsReauth, c.IntegrationId, c.Id, c.DisplayName, "The OAuth connection must be authorized again.", c.ModifiedAt)));
        items.AddRange((await failed.OrderByDescending(c => c.At).Take(MaxAttention).ToListAsync(ct))
            .Select(c => new AttentionItem(AttentionKind.VerificationFailed, c.IntegrationId, c.Id, c.DisplayName,
                c.LastVerificationError is { Length: > 0 } error ? $"The last verification failed: {error}" : "The last verification failed.", c.At)));
        items.AddRange((await drafts.OrderByDescending(c => c.ModifiedAt).Take(MaxAttention).ToListAsync(ct))
            .Select(c => new AttentionItem(AttentionKind.UnpublishedDraft, c.IntegrationId, c.Id, c.DisplayName,
                c.Never ? "Never published: callers get nothing until it is." : "The draft has changes that are not published.", c.ModifiedAt)));

        var recent = await audit.ListAsync(actor, new AuditQuery(), Paging.From(0, RecentActivity), ct);
        var byStatus = await keyInventory.CountAsync(actor, [KeyStatuses.Leaked, KeyStatuses.Expired, KeyStatuses.Due, KeyStatuses.Grace], ct);
        var keyAttention = new KeyAttention(byStatus[KeyStatuses.Leaked], byStatus[KeyStatuses.Expired], byStatus[KeyStatuses.Due], byStatus[KeyStatuses.Grace]);
        return new TenantOverview(new OverviewCounts(integrations, configs, liveKeys), items.Take(MaxAttention).ToList(), total, recent.Items, keyAttention);
    }

    /// <summary>The key kind as the API names it: the enum name in camelCase (<c>webhookKey</c>).</summary>
    public static string KindName(KeyKind kind) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());
}
