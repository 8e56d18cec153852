using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.OAuth;

public static class OAuthServices
{
    /// <summary>Registers verification: test connect, OAuth sign-in and token refresh.</summary>
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddSingleton<CredentialTester>();
        services.AddSingleton<OAuthService>();
        services.AddSingleton<OAuthTokenRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<OAuthTokenRefresher>());
        services.AddSingleton<VerificationService>();
        return services;
    }
}
