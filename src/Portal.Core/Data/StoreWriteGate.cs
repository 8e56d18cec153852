using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Portal.Core.Data;

/// <summary>
/// SQLite has one writer at a time: its write transactions (<c>BEGIN IMMEDIATE</c>) queue here, in process, in arrival
/// order, instead of polling the file lock (SQLite's busy handler backs off in growing steps, and a writer that keeps
/// losing to a busy one, such as the ingest writer, waits for hundreds of milliseconds). One gate per database file.
/// On PostgreSQL there is nothing to queue: rows are locked, not the database.
/// </summary>
public static class StoreWriteGate
{
    /// <summary>As long as SQLite's own busy timeout: a writer that waits longer fails the same way.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>Waits for this store's turn to write; dispose the result when the transaction has ended.</summary>
    public static async Task<IDisposable> EnterAsync(PortalDbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            return Turn.None;
        }

        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(MaxWait, ct))
        {
            throw new TimeoutException($"The database stayed busy for {MaxWait.TotalSeconds:F0} s; try again.");
        }

        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim? gate) : IDisposable
    {
        public static readonly Turn None = new(null);
        private SemaphoreSlim? _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }
}
