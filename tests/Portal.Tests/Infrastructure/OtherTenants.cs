using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiClients;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Tests.Infrastructure;

/// <summary>The one way tests get another tenant: created once, with an Admin API client there.</summary>
public static class OtherTenants
{
    /// <summary>Creates (once) another tenant with an Admin API client there, and returns an HttpClient for it.</summary>
    public static async Task<HttpClient> OtherTenantClientAsync(this PortalApplication app, string tenant)
    {
        var (clientId, secret) = await EnsureAsync(app.Services, tenant, DateTimeOffset.UtcNow);
        return await app.ClientAsync(clientId, secret);
    }

    /// <summary>Creates (once) the tenant and its Admin API client in the app behind <paramref name="services"/>; returns the client's credentials.</summary>
    public static async Task<(string ClientId, string Secret)> EnsureAsync(IServiceProvider services, string tenant, DateTimeOffset now)
    {
        var clientId = $"{tenant}-admin";
        var secret = $"pcs_{tenant}-secret-for-tests";
        var dbFactory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            if (!await db.Tenants.AnyAsync(t => t.Id == tenant))
            {
                db.Tenants.Add(new Tenant { Id = tenant, DisplayName = tenant, CreatedAt = now.ToUnixTimeMilliseconds() });
                await db.SaveChangesAsync();
            }
        }

        await services.GetRequiredService<ApiClientService>().EnsureAsync(tenant, clientId, secret);
        return (clientId, secret);
    }
}
