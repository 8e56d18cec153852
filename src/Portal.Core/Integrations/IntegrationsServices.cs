using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Integrations;

public static class IntegrationsServices
{
    /// <summary>Registers integrations.</summary>
    public static IServiceCollection AddIntegrations(this IServiceCollection services)
    {
        services.AddSingleton<IntegrationService>();
        return services;
    }
}
