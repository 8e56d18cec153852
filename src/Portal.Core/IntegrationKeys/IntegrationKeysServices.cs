using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.IntegrationKeys;

public static class IntegrationKeysServices
{
    /// <summary>Registers integration keys.</summary>
    public static IServiceCollection AddIntegrationKeys(this IServiceCollection services)
    {
        services.AddSingleton<IntegrationKeyService>();
        return services;
    }
}
