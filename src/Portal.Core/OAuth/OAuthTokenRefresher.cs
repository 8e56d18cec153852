using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>
/// Refreshes OAuth tokens before they expire, so a connected config stays connected without anyone
/// re-authorizing. A refused refresh turns the config to NEEDS_REAUTH (shown on its page).
/// </summary>
public sealed class OAuthTokenRefresher(IDbContextFactory<PortalDbContext> dbFactory, OAuthService oauth, TimeProvider time, ILogger<OAuthTokenRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Refreshes every connected config whose token expires within <paramref name="window"/>; returns how many were
    /// refreshed. Several instances on one PostgreSQL: one of them runs the round, the others skip it (returns 0), so a
    /// token is refreshed once, not once per instance (a provider that rotates refresh tokens would otherwise see a
    /// replayed refresh token and revoke the grant).
    /// </summary>
    public async Task<int> RefreshDueAsync(TimeSpan window, CancellationToken ct = default)
    {
        var refreshed = 0;
        await StoreLocks.TryRunExclusiveAsync(dbFactory, StoreLocks.OAuthRefreshRound, async () => refreshed = await RefreshRoundAsync(window, ct), ct);
        return refreshed;
    }

    private async Task<int> RefreshRoundAsync(TimeSpan window, CancellationToken ct)
    {
        var due = time.NowMs() + (long)window.TotalMilliseconds;
        List<(string TenantId, string IntegrationId, Guid Id)> configs;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            configs = (await db.Configs.AsNoTracking()
                .Where(c => c.AuthStatus == AuthStatus.Connected && c.OAuthExpiresAt != null && c.OAuthExpiresAt <= due)
                .Select(c => new { c.TenantId, c.IntegrationId, c.Id }).ToListAsync(ct))
                .Select(c => (c.TenantId, c.IntegrationId, c.Id)).ToList();
        }

        var refreshed = 0;
        foreach (var (tenantId, integrationId, id) in configs)
        {
            var result = await oauth.RefreshIfNeededAsync(Actor.System(tenantId), integrationId, id, null, window, ct);
            if (result.IsSuccess)
            {
                refreshed++;
            }
            else
            {
                logger.LogWarning("OAuth refresh of config {ConfigId} in tenant {Tenant} failed: {Reason}", id, tenantId, result.Error!.Kind);
            }
        }

        return refreshed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshDueAsync(Window, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "OAuth token refresh round failed");
            }
        }
    }
}
