using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data;

/// <summary>
/// Whether the store still lacks a migration of this build, asked with one query on the history table. On an existing
/// database that answer is "none", and <c>MigrateAsync</c> (a lock, the history model, and EF Core's comparison of the
/// model with the last snapshot, about half a second of a start) is skipped. That comparison is a test instead
/// (<c>MigrationsMatchModelTests</c>), so a model change without its migration still fails before it ships.
/// </summary>
public static class PendingMigrations
{
    /// <summary>EF Core's default history table, the one both providers' migrations use here.</summary>
    internal const string HistoryTable = "__EFMigrationsHistory";

    /// <summary>True when a migration of this build is not in the history table yet, or when that cannot be told (no table, another table name).</summary>
    public static async Task<bool> AnyAsync(PortalDbContext db, CancellationToken ct)
    {
        var known = db.GetService<IMigrationsAssembly>().Migrations.Keys;
        var options = db.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault();
        if (options?.MigrationsHistoryTableName is { } custom && custom != HistoryTable || options?.MigrationsHistoryTableSchema is not null)
        {
            return true;
        }

        var applied = await AppliedAsync(db, ct);
        return applied is null || known.Any(id => !applied.Contains(id));
    }

    /// <summary>The applied migration ids; null when the history table does not exist yet (a fresh database).</summary>
    private static async Task<HashSet<string>?> AppliedAsync(PortalDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }

        try
        {
            if (!await HistoryExistsAsync(db, connection, ct))
            {
                return null;
            }

            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT \"MigrationId\" FROM \"{HistoryTable}\"";
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                applied.Add(reader.GetString(0));
            }

            return applied;
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    private static async Task<bool> HistoryExistsAsync(PortalDbContext db, DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = db.Database.IsNpgsql()
            ? $"SELECT to_regclass('\"{HistoryTable}\"') IS NOT NULL"
            : $"SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '{HistoryTable}'";
        var exists = await command.ExecuteScalarAsync(ct);
        return exists is true || exists is long n && n != 0;
    }
}
