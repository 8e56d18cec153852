using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;

namespace Portal.Core.Data;

/// <summary>
/// A read-modify-write whose optimistic concurrency check failed because another writer (a webhook rotation, a
/// verification, the OAuth refresher, another request) saved the same row in between: that conflict is the portal's,
/// not the caller's, so the operation runs again on a fresh context (re-read, re-apply, save; one transaction per
/// attempt). A caller that sent a precondition meets it again on the re-read, and gets 412 if the row moved on.
/// </summary>
public static class ConcurrencyRetry
{
    public const int MaxAttempts = 8;

    public static async Task<Result<T>> RunAsync<T>(IDbContextFactory<PortalDbContext> dbFactory, Func<PortalDbContext, Task<Result<T>>> attempt, string resource, CancellationToken ct)
    {
        for (var n = 1; ; n++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            try
            {
                return await attempt(db);
            }
            catch (DbUpdateException) when (n < MaxAttempts)
            {
                // A version check that failed, or a unique index that a concurrent writer filled first (two publishes
                // numbering the same revision): re-read and try again. Jitter, so they do not collide again in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(1, 10 << Math.Min(n, 4))), ct);
            }
            catch (DbUpdateException)
            {
                return Error.Conflict($"The {resource} kept being changed by other writers while this change was applied ({MaxAttempts} attempts); try again.");
            }
        }
    }
}
