using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.SecretScanning;

public static class SecretScanningServices
{
    /// <summary>Registers GitHub's secret scanning intake: its options (checked at start), the public keys and the intake service.</summary>
    public static IServiceCollection AddSecretScanning(this IServiceCollection services)
    {
        services.AddOptions<GitHubSecretScanningOptions>().BindConfiguration(GitHubSecretScanningOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GitHubSecretScanningOptions>, GitHubSecretScanningOptionsValidation>();
        services.AddSingleton<GitHubPublicKeys>();
        services.AddSingleton<LeakIntakeService>();
        return services;
    }
}
