using Microsoft.EntityFrameworkCore;
using Portal.Core.Keys;

namespace Portal.Core.Data;

/// <summary>
/// Rows that concurrent operations must take turns on. On PostgreSQL, inside the operation's transaction, the row is
/// read <c>FOR UPDATE</c>: a second rotation of the same owner (on any instance) waits for the first to commit and then
/// sees its result, instead of losing an optimistic race. SQLite has one writer at a time, so a plain read is enough.
/// </summary>
public static class RowLocks
{
    public static async Task<KeyBinding?> KeyBindingForUpdateAsync(this PortalDbContext db, string tenantId, string ownerId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            var rows = await db.KeyBindings
                .FromSql($"SELECT * FROM \"KeyBindings\" WHERE \"TenantId\" = {tenantId} AND \"OwnerId\" = {ownerId} FOR UPDATE")
                .ToListAsync(ct);
            return rows.FirstOrDefault();
        }

        return await db.KeyBindings.FirstOrDefaultAsync(b => b.TenantId == tenantId && b.OwnerId == ownerId, ct);
    }
}
