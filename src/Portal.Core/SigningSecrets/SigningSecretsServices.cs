using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.SigningSecrets;

public static class SigningSecretsServices
{
    /// <summary>Registers signing secrets.</summary>
    public static IServiceCollection AddSigningSecrets(this IServiceCollection services)
    {
        services.AddSingleton<SigningSecretService>();
        return services;
    }
}
