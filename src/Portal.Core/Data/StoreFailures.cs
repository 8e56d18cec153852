using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Portal.Core.Data;

/// <summary>Tells "the database is down or unreachable" apart from every other failure, and says so without secrets.</summary>
public static class StoreFailures
{
    /// <summary>The store could not be reached or went away mid-call: a 503 while running, a one-line exit at start.</summary>
    public static bool IsUnreachable(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case NpgsqlException { IsTransient: true }:
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                case PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" or "08000" or "08003" or "08006" or "08001" or "08004" }:
                case SocketException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The store stayed busy for longer than a writer waits: the in-process write gate timed out
    /// (<see cref="StoreWriteGate.MaxWait"/>), or SQLite's own busy timeout ran out (<c>SQLITE_BUSY</c>, <c>SQLITE_LOCKED</c>:
    /// another process holds the write lock). Retrying at once would wait as long again.
    /// </summary>
    public static bool IsBusy(Exception e) =>
        e is TimeoutException || e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 };

    /// <summary>The innermost message, which names the cause (e.g. "Connection refused").</summary>
    public static string Reason(Exception e)
    {
        var x = e;
        while (x.InnerException is not null)
        {
            x = x.InnerException;
        }

        return x.Message;
    }

    /// <summary>Where the store is, without the password: "PostgreSQL at host:port, database d, user u".</summary>
    public static string Describe(IDbContextFactory<PortalDbContext> dbFactory)
    {
        using var db = dbFactory.CreateDbContext();
        var connectionString = db.Database.GetConnectionString() ?? "";
        if (!db.Database.IsNpgsql())
        {
            return "SQLite";
        }

        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL at {b.Host}:{b.Port}, database {b.Database}, user {b.Username}";
    }
}
