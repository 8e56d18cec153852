using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Notifications;

namespace Portal.Core.Retention;

/// <summary>The <c>Portal:Retention</c> section: how long each kind of row is kept (days; 0 keeps it forever).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Portal:Retention";

    /// <summary>Inbound webhook events, by when they were received.</summary>
    [Range(0, 36500)]
    public int EventDays { get; set; } = 30;

    /// <summary>Audit rows, by when they were written.</summary>
    [Range(0, 36500)]
    public int AuditDays { get; set; } = 365;

    /// <summary>Keys revoked (or past their grace period) this long ago. Leaked keys are kept: they are the evidence of a report.</summary>
    [Range(0, 36500)]
    public int RevokedKeyDays { get; set; } = 90;

    /// <summary>Notifications (with their attempts) that are no longer being delivered.</summary>
    [Range(0, 36500)]
    public int NotificationDays { get; set; } = 30;

    /// <summary>How often the sweep runs (the first run a few minutes after start).</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement: small, so a writer never waits long behind the sweep.</summary>
    [Range(1, 100_000)]
    public int Batch { get; set; } = 500;
}

/// <summary>What one sweep deleted.</summary>
public sealed record RetentionResult(int Events, int AuditRows, int RevokedKeys, int Notifications);

/// <summary>
/// Keeps the store bounded (README "Retention"): deletes rows past their retention in small batches, each its own short
/// transaction, oldest first. The list counts follow (delete triggers). Several instances may sweep at once: a row is
/// deleted once, and a batch that finds it gone deletes nothing.
/// </summary>
public sealed class RetentionSweep(IDbContextFactory<PortalDbContext> dbFactory, IOptions<RetentionOptions> options, TimeProvider time)
{
    private const long DayMs = 86_400_000L;

    public async Task<RetentionResult> RunAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        var now = time.NowMs();
        var events = o.EventDays == 0 ? 0 : await DeleteAsync(db => db.WebhookEvents.Where(e => e.ReceivedAt < now - (o.EventDays * DayMs)).OrderBy(e => e.ReceivedAt).Select(e => e.Id),
            (db, ids) => db.WebhookEvents.Where(e => ids.Contains(e.Id)), ct);
        var audit = o.AuditDays == 0 ? 0 : await DeleteAsync(db => db.AuditEvents.Where(e => e.At < now - (o.AuditDays * DayMs)).OrderBy(e => e.Id).Select(e => e.Id),
            (db, ids) => db.AuditEvents.Where(e => ids.Contains(e.Id)), ct);
        var keyCutoff = now - (o.RevokedKeyDays * DayMs);
        var keys = o.RevokedKeyDays == 0 ? 0 : await DeleteAsync(
            db => db.IssuedKeys.Where(k => k.LeakedAt == null && ((k.RevokedAt != null && k.RevokedAt < keyCutoff) || (k.RevokedAt == null && k.ExpiresAt != null && k.ExpiresAt < keyCutoff)))
                .Where(k => !db.KeyBindings.Any(b => b.ActiveKeyId == k.Id)).OrderBy(k => k.CreatedAt).Select(k => k.Id),
            (db, ids) => db.IssuedKeys.Where(k => ids.Contains(k.Id)), ct);
        var notificationCutoff = now - (o.NotificationDays * DayMs);
        var notifications = o.NotificationDays == 0 ? 0 : await DeleteAsync(
            db => db.NotificationMessages.Where(m => m.Dispatched && m.CreatedAt < notificationCutoff
                    && !db.NotificationDeliveries.Any(d => d.MessageId == m.Id && d.State == DeliveryState.Pending)).OrderBy(m => m.Id).Select(m => m.Id),
            (db, ids) => db.NotificationMessages.Where(m => ids.Contains(m.Id)), ct);
        return new RetentionResult(events, audit, keys, notifications);
    }

    /// <summary>Deletes what <paramref name="due"/> selects, a batch at a time (each batch one statement and one short transaction).</summary>
    private async Task<int> DeleteAsync<TEntity, TId>(Func<PortalDbContext, IQueryable<TId>> due, Func<PortalDbContext, List<TId>, IQueryable<TEntity>> rows, CancellationToken ct)
        where TEntity : class
    {
        var deleted = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var ids = await due(db).Take(options.Value.Batch).ToListAsync(ct);
            if (ids.Count == 0)
            {
                return deleted;
            }

            using (await StoreWriteGate.EnterAsync(db, ct))
            {
                deleted += await rows(db, ids).ExecuteDeleteAsync(ct);
            }

            if (ids.Count < options.Value.Batch)
            {
                return deleted;
            }
        }

        return deleted;
    }
}

/// <summary>Runs <see cref="RetentionSweep"/> a few minutes after start and then every <see cref="RetentionOptions.Every"/>; keeps the store size gauge current.</summary>
public sealed class RetentionSweeper(RetentionSweep sweep, StoreSize size, IOptions<RetentionOptions> options, ILogger<RetentionSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan FirstAfter = TimeSpan.FromMinutes(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        PortalMetrics.ObserveStoreSize(() => size.Last);
        try
        {
            await size.RefreshAsync(stoppingToken);
            await Task.Delay(FirstAfter, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var result = await sweep.RunAsync(stoppingToken);
                    if (result.Events + result.AuditRows + result.RevokedKeys + result.Notifications > 0)
                    {
                        logger.LogInformation("Retention: deleted {Events} webhook events, {Audit} audit rows, {Keys} revoked keys, {Notifications} notifications.",
                            result.Events, result.AuditRows, result.RevokedKeys, result.Notifications);
                    }

                    await size.RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Retention sweep failed ({Reason}); it runs again later.", e.GetType().Name);
                }

                await Task.Delay(options.Value.Every, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>The store's size on disk (SQLite file and its log, or the PostgreSQL database), read now and then, never on a request.</summary>
public sealed class StoreSize(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    private volatile StoreReading? _reading;

    /// <summary>Bytes at the last reading; null before the first.</summary>
    public long? Last => _reading?.Bytes;

    /// <summary>The last reading, its size and time together; null before the first.</summary>
    public StoreReading? Reading => _reading;

    public async Task<long?> RefreshAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        long bytes;
        if (db.Database.IsNpgsql())
        {
            await db.Database.OpenConnectionAsync(ct);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT pg_database_size(current_database())";
            bytes = Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            bytes = new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
        }

        _reading = new StoreReading(bytes, time.NowMs());
        return bytes;
    }
}

/// <summary>One reading of the store's size: bytes, and when (Unix milliseconds).</summary>
public sealed record StoreReading(long Bytes, long At);

public static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionSweep>();
        services.AddSingleton<StoreSize>();
        services.AddSingleton<StoreUsageService>();
        services.AddHostedService<RetentionSweeper>();
        return services;
    }
}
