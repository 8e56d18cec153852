using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.KeyLifecycle;

public static class KeyLifecycleServices
{
    /// <summary>Registers the key policy (read on the hot path from memory) and the tenant's key inventory, and the daily sweep that announces due and expired keys.</summary>
    public static IServiceCollection AddKeyLifecycle(this IServiceCollection services)
    {
        services.AddSingleton<KeyPolicyService>();
        services.AddSingleton<KeyInventoryService>();
        services.AddSingleton<KeyLifecycleSweep>();
        services.AddHostedService<KeyLifecycleSweeper>();
        return services;
    }
}
