using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// Contexts are pooled (one context per request was a tenth of the Portal's CPU under the mixed load: building the
/// context and its internal services). A context handed out again must carry nothing of its last use: no transaction,
/// no tracked rows, no write turn, nothing its last user wrote and did not commit.
/// </summary>
public sealed class PooledContextTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task A_context_handed_out_again_carries_nothing_of_its_last_use()
    {
        _ = app.Server; // the app (and its store) started
        var factory = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var id = $"pool-{Guid.NewGuid():N}"[..20];

        // Its last use ended on an exception path: a transaction open (on SQLite holding the write turn), a row written
        // in it, another tracked and not saved; disposed without commit or rollback.
        var first = await factory.CreateDbContextAsync();
        await first.Database.BeginTransactionAsync();
        first.Tenants.Add(new Tenant { Id = id, DisplayName = "Written, never committed" });
        await first.SaveChangesAsync();
        first.Tenants.Add(new Tenant { Id = id + "-t", DisplayName = "Tracked, never saved" });
        await first.DisposeAsync();

        // Held contexts are distinct instances, so renting until it comes back finds it (other work of the app may rent too).
        var held = new List<PortalDbContext>();
        try
        {
            PortalDbContext? again = null;
            for (var i = 0; i < 256 && again is null; i++)
            {
                held.Add(await factory.CreateDbContextAsync());
                again = ReferenceEquals(held[^1], first) ? held[^1] : null;
            }

            Assert.True(again is not null, "the pool never handed the disposed context out again: contexts are not pooled");
            Assert.Null(again.Database.CurrentTransaction);
            Assert.Empty(again.ChangeTracker.Entries());
            Assert.False(await again.Tenants.AnyAsync(t => t.Id == id || t.Id == id + "-t"));

            // No turn was left behind: another context writes (on SQLite a leaked turn makes it wait 10 s and throw), and so does this one.
            if (held.Count == 1)
            {
                held.Add(await factory.CreateDbContextAsync());
            }

            var other = held.First(c => !ReferenceEquals(c, again));
            using (await StoreWriteGate.EnterAsync(other, CancellationToken.None))
            {
            }

            again.Tenants.Add(new Tenant { Id = id, DisplayName = "Committed by the next user" });
            Assert.Equal(1, await again.SaveChangesAsync());
        }
        finally
        {
            foreach (var context in held)
            {
                await context.DisposeAsync();
            }
        }

        await using var check = await factory.CreateDbContextAsync();
        Assert.Equal("Committed by the next user", (await check.Tenants.SingleAsync(t => t.Id == id)).DisplayName);
        check.Tenants.Remove(await check.Tenants.SingleAsync(t => t.Id == id));
        await check.SaveChangesAsync();
    }
}
