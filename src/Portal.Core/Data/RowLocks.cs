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

    /// <summary>
    /// A config an operation is about to change or act for, tracked. On PostgreSQL inside a transaction it is read
    /// <c>FOR NO KEY UPDATE</c>: twenty PATCHes of one config at once (on any instance) then apply one after another,
    /// each on the one before it, instead of losing optimistic races until their retries run out (a 409 nobody asked
    /// for). Not <c>FOR UPDATE</c>: that lock would also hold up every webhook event being stored for the config (its
    /// foreign key takes <c>FOR KEY SHARE</c> on the row), and with it the ingest writer's whole batch. A delete takes
    /// <see cref="ConfigsForDeleteAsync"/> instead.
    /// </summary>
    public static async Task<Configs.Config?> ConfigForUpdateAsync(this PortalDbContext db, string tenantId, string integrationId, Guid configId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            var rows = await db.Configs
                .FromSql($"SELECT * FROM \"Configs\" WHERE \"TenantId\" = {tenantId} AND \"IntegrationId\" = {integrationId} AND \"Id\" = {configId} FOR NO KEY UPDATE")
                .ToListAsync(ct);
            return rows.FirstOrDefault();
        }

        return await db.Configs.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.IntegrationId == integrationId && c.Id == configId, ct);
    }

    /// <summary>
    /// Locks the configs a delete is about to remove (one config, or all of an integration's when
    /// <paramref name="configId"/> is null) <c>FOR UPDATE</c> on PostgreSQL inside its transaction, before it revokes
    /// their keys: a webhook rotation locks the config first and then its key binding, so a delete that locked the
    /// binding first and the config only at its save would wait for it in a cycle (a deadlock, refused after a second).
    /// Nothing on SQLite: one writer at a time.
    /// </summary>
    public static async Task ConfigsForDeleteAsync(this PortalDbContext db, string tenantId, string integrationId, Guid? configId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            if (configId is { } id)
            {
                await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Configs\" WHERE \"TenantId\" = {tenantId} AND \"IntegrationId\" = {integrationId} AND \"Id\" = {id} FOR UPDATE", ct);
            }
            else
            {
                await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Configs\" WHERE \"TenantId\" = {tenantId} AND \"IntegrationId\" = {integrationId} ORDER BY \"Id\" FOR UPDATE", ct);
            }
        }
    }

    /// <summary>
    /// The issued keys with these hashes, tracked, for a change that must happen once (a leak report: two reports of one
    /// key at the same moment, on any instance, mark and revoke it once). <c>FOR UPDATE</c> on PostgreSQL inside a transaction.
    /// </summary>
    public static async Task<List<IssuedKey>> IssuedKeysForUpdateAsync(this PortalDbContext db, string[] hashes, string tag, CancellationToken ct)
    {
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            return await db.IssuedKeys
                .FromSql($"SELECT * FROM \"IssuedKeys\" WHERE \"Hash\" = ANY({hashes}) ORDER BY \"Id\" FOR UPDATE")
                .TagWith(tag).ToListAsync(ct);
        }

        return await db.IssuedKeys.TagWith(tag).Where(k => hashes.Contains(k.Hash!)).ToListAsync(ct);
    }
}
