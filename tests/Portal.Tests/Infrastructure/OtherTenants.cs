using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiClients;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Tests.Infrastructure;

public static class OtherTenants
{
    /// <summary>Creates (once) another tenant with an Admin API client there, and returns an HttpClient for it.</summary>
    public static async Task<HttpClient> OtherTenantClientAsync(this PortalApplication app, string tenant)
    {
        var clientId = $"{tenant}-admin";
        var secret = $"pcs_{tenant}-secret-for-tests";
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            if (!await db.Tenants.AnyAsync(t => t.Id == tenant))
            {
                db.Tenants.Add(new Tenant { Id = tenant, DisplayName = tenant, CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
                await db.SaveChangesAsync();
            }
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ApiClientService>().EnsureAsync(tenant, clientId, secret);
        }

        return await app.ClientAsync(clientId, secret);
    }
}
