using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;

namespace Portal.Core.Data;

/// <summary>
/// One operation, one transaction: the operation stages its changes (its own rows, the keys the key engine mints or
/// revokes, the audit rows) on one context, and they are saved and committed together or not at all.
/// </summary>
public static class UnitOfWork
{
    /// <summary>
    /// Runs <paramref name="operation"/> on a fresh context inside a transaction, then saves once and commits. A failed
    /// <see cref="Result{T}"/> rolls everything back. When the save loses a race (another operation changed a concurrency
    /// token, e.g. a key binding's version, or took a unique key first), the whole operation runs again from what the
    /// winner left, so it re-checks its preconditions: concurrent rotations leave exactly one active key.
    /// </summary>
    /// <param name="resource">What the operation changes, for the 409 when it keeps losing races (e.g. "config").</param>
    public static Task<Result<T>> RunAsync<T>(this IDbContextFactory<PortalDbContext> dbFactory, Func<PortalDbContext, Task<Result<T>>> operation, CancellationToken ct, string resource = "record") =>
        // The retry policy (attempts, jitter) is ConcurrencyRetry's: one rule for every operation that can lose a race.
        ConcurrencyRetry.RunAsync(dbFactory, async db =>
        {
            db.PendingRefusals = [];
            Result<T> result;
            using var turn = await StoreWriteGate.EnterAsync(db, ct);
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                result = await operation(db);
                if (result.IsSuccess)
                {
                    db.AuditEvents.AddRange(db.PendingRefusals);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    return result;
                }

                // A failed result: disposing the transaction rolls back whatever the operation wrote directly.
                if (db.PendingRefusals.Count == 0)
                {
                    return result;
                }
            }

            // The refusals it met (see Refusals) are recorded on their own, once the operation's changes are gone.
            db.ChangeTracker.Clear();
            db.AuditEvents.AddRange(db.PendingRefusals);
            db.PendingRefusals = null;
            await db.SaveChangesAsync(ct);
            return result;
        }, resource, ct);
}
