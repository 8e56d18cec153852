using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// Ready only while this instance hears every change (on PostgreSQL: its LISTEN connection is up and has reloaded).
/// While it is not, key checks still work (they read the store), but a load balancer should prefer another instance.
/// </summary>
public sealed class ChangeFeedHealthCheck(ChangeFeed feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(feed.IsLive
            ? HealthCheckResult.Healthy(feed.Store.IsPostgres ? "Change listener connected." : "Changes are announced in process.")
            : HealthCheckResult.Unhealthy("Change listener not connected: key checks read the database until it reconnects."));
}
