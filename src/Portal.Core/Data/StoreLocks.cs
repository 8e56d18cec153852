using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Portal.Core.Data;

/// <summary>
/// Work that one instance must do alone. On PostgreSQL a session advisory lock held on its own connection
/// (released when the work ends or the connection drops); on SQLite there is one instance, so the work just runs.
/// </summary>
public static class StoreLocks
{
    /// <summary>Stable lock ids (PostgreSQL advisory locks are one 64-bit number per name).</summary>
    public const long Bootstrap = 0x504F5254_0001; // "PORT" + 1

    /// <summary>A round of the OAuth token refresher: one instance refreshes, the others skip the round.</summary>
    public const long OAuthRefreshRound = 0x504F5254_0002;

    /// <summary>Waits for the lock, runs <paramref name="work"/>, releases the lock.</summary>
    public static async Task RunExclusiveAsync(IDbContextFactory<PortalDbContext> dbFactory, long lockId, Func<Task> work, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!db.Database.IsNpgsql())
        {
            await work();
            return;
        }

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({lockId})", ct);
        try
        {
            await work();
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({lockId})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> only if no other instance holds the lock right now (it is then doing the same work);
    /// returns whether it ran. On SQLite it always runs.
    /// </summary>
    public static async Task<bool> TryRunExclusiveAsync(IDbContextFactory<PortalDbContext> dbFactory, long lockId, Func<Task> work, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!db.Database.IsNpgsql())
        {
            await work();
            return true;
        }

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT pg_try_advisory_lock({lockId})";
            if (await command.ExecuteScalarAsync(ct) is not true)
            {
                return false;
            }
        }

        try
        {
            await work();
            return true;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({lockId})", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteScalarAsync(ct);
    }
}
