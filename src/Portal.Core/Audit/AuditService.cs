using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Audit;

/// <summary>The audit log's filters: action and actor exact, target by prefix, time (<c>at</c>) from inclusive, to exclusive (epoch ms).</summary>
public sealed record AuditQuery(string? Action = null, string? Target = null, string? Actor = null, long? From = null, long? To = null)
{
    /// <summary>Reads the query string's values strictly (400 naming the parameter); the page reads its URL the same way.</summary>
    public static Result<(AuditQuery Query, Paging Paging)> Parse(string? action, string? target, string? actor, string? from, string? to, int? skip = null, int? take = null)
    {
        var filters = new ListFilters();
        var query = new AuditQuery(filters.Text("action", action), filters.Text("target", target), filters.Text("actor", actor), filters.Instant("from", from), filters.Instant("to", to));
        filters.Range(query.From, query.To);
        var paging = filters.Paging(skip, take);
        return filters.Valid ? (query, paging) : filters.ToError();
    }
}

public sealed class AuditService(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Records an event on its own (for refusals, where no other change is saved).</summary>
    public async Task RecordAsync(Actor actor, string action, string target, string outcome, string? keyPrefix = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), action, target, outcome, keyPrefix));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// A page of the tenant's log, newest first. The total comes from <see cref="AuditCount"/> when the filter is at most an
    /// action, otherwise from counting the filter's index entries; the page reads the index up to the offset and only
    /// its own rows from the table (<see cref="PageOf"/>).
    /// </summary>
    public async Task<Page<AuditEventView>> ListAsync(Actor actor, AuditQuery query, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Filtered(db, actor.TenantId, query);
        var total = string.IsNullOrWhiteSpace(query.Target) && string.IsNullOrWhiteSpace(query.Actor) && query.From is null && query.To is null
            ? await CountedAsync(db, actor.TenantId, query.Action, ct)
            : await q.CountAsync(ct);
        var items = await PageOf(db, q, paging)
            .Select(e => new AuditEventView(e.Id, e.At, e.Actor, e.Action, e.Target, e.KeyPrefix, e.Outcome, e.Ip))
            .ToListAsync(ct);
        return new Page<AuditEventView>(items.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToList(), total);
    }

    /// <summary>The tenant's events that match the filter (exposed to the query plan tests).</summary>
    internal static IQueryable<AuditEvent> Filtered(PortalDbContext db, string tenantId, AuditQuery query)
    {
        var q = db.AuditEvents.AsNoTracking().Where(e => e.TenantId == tenantId);
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            q = q.Where(e => e.Action == query.Action);
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            q = TargetStartsWith(db, q, query.Target);
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            q = q.Where(e => e.Actor == query.Actor);
        }

        if (query.From is { } from)
        {
            q = q.Where(e => e.At >= from);
        }

        if (query.To is { } to)
        {
            q = q.Where(e => e.At < to);
        }

        return q;
    }

    /// <summary>
    /// Late row lookup: the ids of the page come from the filter's index (the offset is walked there, not in the table),
    /// then only those rows are read (the caller puts the page's few rows in order).
    /// </summary>
    internal static IQueryable<AuditEvent> PageOf(PortalDbContext db, IQueryable<AuditEvent> filtered, Paging paging)
    {
        var ids = Newest(filtered).Skip(paging.Skip).Take(paging.Take).Select(e => e.Id);
        // By primary key only: the ids already come from this tenant's filter, and a tenant condition here could make the
        // planner walk the tenant's index entries instead of looking up the page's keys.
        return db.AuditEvents.AsNoTracking().Where(e => ids.Contains(e.Id));
    }

    /// <summary>Newest first: by time, then id (the order every audit index ends with).</summary>
    private static IOrderedQueryable<AuditEvent> Newest(IQueryable<AuditEvent> q) => q.OrderByDescending(e => e.At).ThenByDescending(e => e.Id);

    /// <summary>The most rows one export returns: beyond it, narrow the filter (the CSV says so in its last line).</summary>
    public const int MaxExportRows = 100_000;

    /// <summary>
    /// The events that match, newest first, at most <see cref="MaxExportRows"/> and one more (so the writer can say the export
    /// was cut), streamed from the filter's index as they are
    /// read (never held in memory). The export itself is audited (<c>audit.export</c>, target <c>audit</c>).
    /// </summary>
    public async IAsyncEnumerable<AuditEventView> ExportAsync(Actor actor, AuditQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await RecordAsync(actor, "audit.export", "audit", AuditOutcomes.Success, ct: ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = Newest(Filtered(db, actor.TenantId, query)).Take(MaxExportRows + 1)
            .Select(e => new AuditEventView(e.Id, e.At, e.Actor, e.Action, e.Target, e.KeyPrefix, e.Outcome, e.Ip))
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            yield return row;
        }
    }

    /// <summary>The total of the tenant's log, or of one action, from the per-action counts.</summary>
    internal static async Task<int> CountedAsync(PortalDbContext db, string tenantId, string? action, CancellationToken ct)
    {
        var counts = db.Set<AuditCount>().Where(c => c.TenantId == tenantId);
        if (!string.IsNullOrWhiteSpace(action))
        {
            counts = counts.Where(c => c.Action == action);
        }

        return (int)await counts.SumAsync(c => c.Count, ct);
    }

    /// <summary>
    /// A case-sensitive prefix that an index can serve: on SQLite a range in byte order (its LIKE ignores ASCII case and
    /// cannot use the index); on PostgreSQL LIKE 'prefix%' (the index has the pattern operator class).
    /// </summary>
    private static IQueryable<AuditEvent> TargetStartsWith(PortalDbContext db, IQueryable<AuditEvent> q, string prefix)
    {
        if (db.Database.IsNpgsql() || PrefixEnd(prefix) is not { } end)
        {
            return q.Where(e => e.Target.StartsWith(prefix));
        }

        return q.Where(e => string.Compare(e.Target, prefix) >= 0 && string.Compare(e.Target, end) < 0);
    }

    /// <summary>The first string after every string that starts with <paramref name="prefix"/> (its last character plus one), when that is simple to form.</summary>
    internal static string? PrefixEnd(string prefix)
    {
        var last = prefix[^1];
        return char.IsSurrogate(last) || last >= '\uD7FF' ? null : string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(last + 1)).ToString());
    }
}
