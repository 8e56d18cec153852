using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Configs;

public static class ConfigsServices
{
    /// <summary>Registers configs and their revisions.</summary>
    public static IServiceCollection AddConfigs(this IServiceCollection services)
    {
        services.AddSingleton<ConfigService>();
        return services;
    }
}
