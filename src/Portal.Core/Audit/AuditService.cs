using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Audit;

public sealed record AuditQuery(string? Action = null, string? Target = null, string? Actor = null);

public sealed class AuditService(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Records an event on its own (for refusals, where no other change is saved).</summary>
    public async Task RecordAsync(Actor actor, string action, string target, string outcome, string? keyPrefix = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), action, target, outcome, keyPrefix));
        await db.SaveChangesAsync(ct);
    }

    public async Task<Page<AuditEventView>> ListAsync(Actor actor, AuditQuery query, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.AuditEvents.AsNoTracking().Where(e => e.TenantId == actor.TenantId);
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            q = q.Where(e => e.Action == query.Action);
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            q = q.Where(e => e.Target.StartsWith(query.Target));
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            q = q.Where(e => e.Actor == query.Actor);
        }

        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(paging.Take)
            .Select(e => new AuditEventView(e.Id, e.At, e.Actor, e.Action, e.Target, e.KeyPrefix, e.Outcome, e.Ip))
            .ToListAsync(ct);
        return new Page<AuditEventView>(items, total);
    }
}
