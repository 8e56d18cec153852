using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Core.Configs;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.SigningSecrets;
using Portal.Core.Webhooks;

namespace Portal.Core.Data;

/// <summary>
/// Announces what a save changed, once it is committed: keys by hash (and owner), route setup by table. Announced in
/// process before the saving call returns, so this instance's caches never answer from before the change. On
/// PostgreSQL the store's triggers (migration ChangeFeed) notify every instance on commit; the saving call then also
/// sends a barrier after the commit and waits until every listening instance has acknowledged it (bounded).
/// Notifications reach each listener in commit order, and a listener acknowledges a barrier only after it has handled
/// what came before, so when the call returns every listening instance has evicted the change: the very next request,
/// on any instance, is answered from the store.
/// </summary>
public sealed class ChangeAnnouncer(ChangeFeed feed, ILogger<ChangeAnnouncer> logger) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(2);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stage(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stage(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (Saved(eventData.Context) is { } changes)
        {
            AnnounceAsync(eventData.Context!, changes, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (Saved(eventData.Context) is { } changes)
        {
            await AnnounceAsync(eventData.Context!, changes, cancellationToken);
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Unstage(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Unstage(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Unstage(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Unstage(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (Committed(eventData.Context) is { } changes)
        {
            AnnounceAsync(eventData.Context!, changes, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Committed(eventData.Context) is { } changes)
        {
            await AnnounceAsync(eventData.Context!, changes, cancellationToken);
        }
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>What the pending save will change, read from the change tracker before it is accepted.</summary>
    private static void Stage(DbContext? context)
    {
        if (context is not PortalDbContext db)
        {
            return;
        }

        List<Change>? staged = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var change = entry.Entity switch
            {
                IssuedKey { Hash: { } hash } key => new Change(ChangeTopic.Key, hash, $"{key.TenantId}|{key.OwnerId}"),
                Integration => new Change(ChangeTopic.Setup, "Integrations"),
                Config => new Change(ChangeTopic.Setup, "Configs"),
                WebhookBinding => new Change(ChangeTopic.Setup, "WebhookBindings"),
                SigningSecret => new Change(ChangeTopic.Setup, "SigningSecrets"),
                McpSettings => new Change(ChangeTopic.Setup, "McpSettings"),
                KeyLifecycle.KeyPolicy => new Change(ChangeTopic.Setup, "KeyPolicies"),
                _ => null,
            };
            if (change is not null)
            {
                (staged ??= []).Add(change);
            }
        }

        db.StagedChanges = staged;
    }

    private static void Unstage(DbContext? context)
    {
        if (context is PortalDbContext db)
        {
            db.StagedChanges = null;
        }
    }

    /// <summary>After a save: the changes to announce now (no transaction of the caller's), or null (kept until commit).</summary>
    private static List<Change>? Saved(DbContext? context)
    {
        if (context is not PortalDbContext { StagedChanges: { } staged } db)
        {
            return null;
        }

        db.StagedChanges = null;
        if (db.Database.CurrentTransaction is null)
        {
            return staged;
        }

        (db.UncommittedChanges ??= []).AddRange(staged);
        return null;
    }

    private static List<Change>? Committed(DbContext? context)
    {
        if (context is not PortalDbContext { UncommittedChanges: { } changes } db)
        {
            return null;
        }

        db.UncommittedChanges = null;
        return changes;
    }

    private static void Forget(DbContext? context)
    {
        if (context is PortalDbContext db)
        {
            db.UncommittedChanges = null;
            db.StagedChanges = null;
        }
    }

    private async Task AnnounceAsync(DbContext context, List<Change> changes, CancellationToken ct)
    {
        foreach (var change in changes.Distinct())
        {
            feed.Announce(change);
        }

        if (feed.Store.IsPostgres && feed.IsLive && context.Database.GetDbConnection() is NpgsqlConnection connection)
        {
            await BarrierAsync(connection, ct);
        }
    }

    /// <summary>
    /// Sends <c>sync|{id}</c> after the commit and waits until every listener connected now has acknowledged it
    /// (bounded by <see cref="BarrierTimeout"/>: an instance that cannot answer in time is reported). On the
    /// context's own connection: taking a second one while holding the first could exhaust the pool under load.
    /// </summary>
    private async Task BarrierAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        var heard = feed.ExpectBarrier(id);
        var opened = false;
        try
        {
            if (connection.State == System.Data.ConnectionState.Closed)
            {
                await connection.OpenAsync(ct);
                opened = true;
            }

            await using (var command = new NpgsqlCommand(
                "SELECT pg_notify(@channel, @payload), (SELECT count(*) FROM pg_stat_activity WHERE application_name = @listener AND datname = current_database())", connection))
            {
                command.Parameters.AddWithValue("channel", PostgresChangeListener.Channel);
                command.Parameters.AddWithValue("payload", "sync|" + id);
                command.Parameters.AddWithValue("listener", PostgresChangeListener.ApplicationName);
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                feed.Expect(id, Math.Max(1, reader.GetInt64(1)));
            }

            await heard.WaitAsync(BarrierTimeout, ct);
        }
        catch (Exception e) when (e is TimeoutException or NpgsqlException)
        {
            // The change is committed and announced here; the other instances hear it through the triggers. Waiting
            // longer would only slow this call down: say so and return.
            logger.LogWarning("Change barrier not heard back within {Timeout}: {Reason}", BarrierTimeout, e.GetType().Name);
        }
        finally
        {
            feed.ForgetBarrier(id);
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }
}
