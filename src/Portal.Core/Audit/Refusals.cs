using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Audit;

/// <summary>
/// Every refusal is audited here, exactly once, whichever door the request came through (HTTP API, a Blazor page, MCP,
/// a presented key): one <see cref="AuditOutcomes.Denied"/> row naming the operation by the action its success would
/// have been audited under (e.g. <c>config.update</c>) and its target. Core services call it where they refuse; adapters
/// never audit a refusal themselves.
/// </summary>
public sealed class Refusals(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>The Viewer refusal (403), audited; returns the error to return.</summary>
    public Task<Error> ForbiddenAsync(Actor actor, string operation, string target, PortalDbContext? within = null, CancellationToken ct = default) =>
        RecordAsync(actor, operation, target, Error.Forbidden(), within, ct: ct);

    /// <summary>
    /// Audits a refusal and returns <paramref name="error"/>. Called inside a unit of work (<paramref name="within"/> is its
    /// context), the row is written by <see cref="UnitOfWork"/> after the operation's transaction rolls back, so the
    /// refusal is recorded although nothing of the operation is; otherwise it is written now, in its own small write.
    /// </summary>
    public async Task<Error> RecordAsync(Actor actor, string operation, string target, Error error, PortalDbContext? within = null, string? keyPrefix = null, CancellationToken ct = default)
    {
        await WriteAsync(actor, operation, target, within, keyPrefix, ct);
        return error;
    }

    /// <summary>Audits a refusal that is not an <see cref="Error"/> value (a presented key refused, a request budget spent), in its own write.</summary>
    public Task RecordAsync(Actor actor, string operation, string target, string? keyPrefix, CancellationToken ct = default) =>
        WriteAsync(actor, operation, target, within: null, keyPrefix, ct);

    private async Task WriteAsync(Actor actor, string operation, string target, PortalDbContext? within, string? keyPrefix, CancellationToken ct)
    {
        var row = AuditEvent.Of(actor, time.NowMs(), operation, target, AuditOutcomes.Denied, keyPrefix);
        PortalMetrics.Refusals.Add(1, PortalMetrics.Tag("operation", row.Action));
        if (within?.PendingRefusals is { } pending)
        {
            pending.Add(row);
            return;
        }

        if (within?.Database.CurrentTransaction is not null)
        {
            // Its own write would wait for that transaction's lock (SQLite), and a write on that context would be rolled back.
            throw new InvalidOperationException($"Refuse '{operation}' before opening a transaction, or inside UnitOfWork.RunAsync.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(row);
        await db.SaveChangesAsync(ct);
    }
}
