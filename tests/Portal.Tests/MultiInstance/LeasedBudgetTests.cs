using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 14 point 3: MCP calls are "served without a database round trip when nothing changed", and the per-key budget
/// still "holds in total across instances" (issue 13). A leased budget takes a share of the window at a time.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class LeasedBudgetTests(TwoInstances portal) : IClassFixture<TwoInstances>
{
    private static SharedRateLimiter Limiter(Infrastructure.PortalApplication instance) => instance.Services.GetRequiredService<SharedRateLimiter>();

    private async Task<int> CountedAsync(string partition)
    {
        await using var scope = portal.A.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return (await db.Set<RateWindow>().AsNoTracking().SingleAsync(w => w.Partition == partition)).Count;
    }

    [Fact]
    public async Task Requests_within_a_share_are_counted_once_per_share_not_once_per_request()
    {
        const int limit = 16_000; // a share of 1,000 requests
        var partition = $"lease-{Guid.NewGuid():N}";
        for (var i = 0; i < 200; i++)
        {
            Assert.True((await Limiter(portal.A).TryAcquireAsync(partition, limit, TimeSpan.FromMinutes(1), default, leased: true)).Allowed);
        }

        // 200 requests, one share taken (a second may be on its way in the background only once half of it is spent).
        Assert.Equal(SharedRateLimiter.LeaseSize(limit), await CountedAsync(partition));
    }

    [Fact]
    public async Task Two_instances_spending_shares_at_once_admit_at_most_the_limit_in_total()
    {
        const int limit = 160; // shares of 10
        var partition = $"lease-{Guid.NewGuid():N}";
        var share = SharedRateLimiter.LeaseSize(limit);
        async Task<int> SpendAsync(Infrastructure.PortalApplication instance)
        {
            var admitted = 0;
            for (var i = 0; i < 150; i++)
            {
                admitted += (await Limiter(instance).TryAcquireAsync(partition, limit, TimeSpan.FromMinutes(1), default, leased: true)).Allowed ? 1 : 0;
            }

            return admitted;
        }

        var counts = await Task.WhenAll(Task.Run(() => SpendAsync(portal.A)), Task.Run(() => SpendAsync(portal.B)));
        var total = counts.Sum();

        // 300 requests against a budget of 160: never more than the limit; at most the shares the other instance holds
        // unspent (a share and the next one it took early) fewer.
        Assert.InRange(total, limit - 2 * share, limit);

        // Once the shares B holds are spent, B refuses, and says when the window frees up; the total stays within the limit.
        RateDecision last = default;
        for (var i = 0; i < 3 * share && (i == 0 || last.Allowed); i++)
        {
            last = await Limiter(portal.B).TryAcquireAsync(partition, limit, TimeSpan.FromMinutes(1), default, leased: true);
            total += last.Allowed ? 1 : 0;
        }

        Assert.False(last.Allowed);
        Assert.InRange(total, limit - 2 * share, limit);
        Assert.InRange(last.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_small_budget_is_counted_request_by_request_and_stays_exact()
    {
        const int limit = 12; // a share would be below one request
        var partition = $"lease-{Guid.NewGuid():N}";
        var allowed = 0;
        for (var i = 0; i < 10; i++)
        {
            allowed += (await Limiter(i % 2 == 0 ? portal.A : portal.B).TryAcquireAsync(partition, limit, TimeSpan.FromMinutes(1), default, leased: true)).Allowed ? 1 : 0;
        }

        Assert.Equal(10, allowed);
        Assert.Equal(10, await CountedAsync(partition));
    }
}
