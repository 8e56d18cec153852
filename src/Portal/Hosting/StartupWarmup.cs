using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace Portal.Hosting;

/// <summary>
/// Once the listener is up, builds off the request path what the first API call would otherwise wait for: the token
/// server's options with its signing and encryption keys (read from the store, decrypted with Data Protection:
/// <see cref="PersistedTokenKeys"/>) and the token validation options. Nothing here guards anything: a request that
/// comes first builds the same, and a failure only means the first request builds it.
/// </summary>
internal static class StartupWarmup
{
    /// <summary>
    /// Builds the endpoint table once (every minimal API endpoint and Razor component route, built from code at first use)
    /// on another thread while the store is migrated and bootstrapped, which the listener waits for anyway: the pipeline
    /// builds it again at start, with that code already compiled.
    /// </summary>
    public static void BuildEndpointsAlongsideBootstrap(this WebApplication app)
    {
        // The app's own sources (the composite in DI only gets them when the pipeline is built); taken here, on the main thread.
        var sources = ((IEndpointRouteBuilder)app).DataSources.ToArray();
        _ = Task.Run(() =>
        {
            try
            {
                foreach (var source in sources)
                {
                    _ = source.Endpoints;
                }
            }
            catch (Exception)
            {
                // The pipeline builds the same table at start and reports what failed there.
            }
        });
    }

    public static void WarmUpAfterStart(this WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() =>
        {
            try
            {
                _ = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
                _ = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictValidationOptions>>().CurrentValue;
            }
            catch (Exception e)
            {
                app.Logger.LogWarning("Start-up warm-up did not finish ({Error}); the first request will build the token options", e.GetType().Name);
            }
        }));
}
