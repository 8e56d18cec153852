using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Core.Common;

namespace Portal.Core.ApiClients;

public static class ApiClientsServices
{
    /// <summary>Registers API clients.</summary>
    public static IServiceCollection AddApiClients(this IServiceCollection services)
    {
        // Scoped services that hold a DbContext (UserManager, OpenIddict managers) are resolved per operation, never per circuit.
        services.TryAddSingleton(typeof(PerOperation<>));
        services.AddSingleton<ApiClientService>();
        return services;
    }
}
