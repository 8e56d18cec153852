using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Core.Common;

namespace Portal.Core.Tenancy;

public static class TenancyServices
{
    /// <summary>Registers tenants, members and the first-run bootstrap.</summary>
    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        // Scoped services that hold a DbContext (UserManager, OpenIddict managers) are resolved per operation, never per circuit.
        services.TryAddSingleton(typeof(PerOperation<>));
        services.AddSingleton<TenantAccess>();
        services.AddSingleton<TenantService>();
        services.AddScoped<Bootstrapper>();
        return services;
    }
}
