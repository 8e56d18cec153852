using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Data;

/// <summary>Registers the one store (<see cref="PortalDbContext"/>) on the configured provider.</summary>
public static class PortalStore
{
    public static IServiceCollection AddPortalStore(this IServiceCollection services, IConfiguration configuration, string contentRootPath)
    {
        var provider = configuration["Database:Provider"];
        if (!string.IsNullOrEmpty(provider) && !provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Database:Provider '{provider}' is not supported yet; use Sqlite.");
        }

        var connectionString = configuration.GetConnectionString("Portal");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var dataDirectory = configuration["Portal:DataDirectory"];
            if (string.IsNullOrWhiteSpace(dataDirectory))
            {
                dataDirectory = Path.Combine(contentRootPath, "data");
            }

            Directory.CreateDirectory(dataDirectory);
            connectionString = $"Data Source={Path.Combine(dataDirectory, "portal.db")}";
        }

        services.AddDbContextFactory<PortalDbContext>(o => o.UseSqlite(connectionString).UseOpenIddict().AddInterceptors(new SqliteTuning()));
        return services;
    }
}
