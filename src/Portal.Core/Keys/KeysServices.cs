using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Keys;

public static class KeysServices
{
    /// <summary>Registers the key engine, its cache and last-used batching, credential protection and idempotency records.</summary>
    public static IServiceCollection AddKeys(this IServiceCollection services)
    {
        services.AddSingleton<CredentialProtector>();
        services.AddSingleton<KeyCache>();
        services.AddSingleton<KeyUsage>();
        services.AddHostedService<KeyUsageFlusher>();
        services.AddSingleton<KeyEngine>();
        services.AddSingleton<IdempotencyStore>();
        return services;
    }
}
