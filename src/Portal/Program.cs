using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Portal.Components;
using Portal.Core.Data;
using Portal.Hosting;
using Portal.Features.Account;
using Portal.Features.ApiClients;
using Portal.Features.Audit;
using Portal.Features.Configs;
using Portal.Features.IntegrationKeys;
using Portal.Features.Integrations;
using Portal.Features.Keys;
using Portal.Features.Mcp;
using Portal.Features.OAuth;
using Portal.Features.Overview;
using Portal.Features.SecretScanning;
using Portal.Features.SigningSecrets;
using Portal.Features.Notifications;
using Portal.Features.Tenancy;
using Portal.Features.Webhooks;

if (args is ["backup", ..])
{
    return await StoreBackupCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddPortalConfigurationFile(builder.Environment);
// Serve MudBlazor's and the framework's assets when run from the repo in any environment (no-op when published).
builder.WebHost.UseStaticWebAssets();
try
{
    builder.AddPortal();
}
catch (StoreConfigurationException e)
{
    // One clear line, no stack trace wall: the store is the one thing the portal cannot start without.
    await Console.Error.WriteLineAsync($"Portal cannot start: {e.Message}");
    return 1;
}

var app = builder.Build();
try
{
    // Settings that cannot work (ValidateOnStart) stop the start here, before the store is touched, in one line.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException) // invalid, or not a number at all
{
    await Console.Error.WriteLineAsync($"Portal cannot start: {e.Message}");
    return 1;
}

app.UsePortalPipeline();

app.MapPortalHealth();
app.MapPortalMetrics();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapTokenEndpoint();
app.MapAccountEndpoints();
app.MapAccountApiEndpoints();
var api = app.MapTenantApi();
api.MapIntegrationsEndpoints();
api.MapConfigsEndpoints();
api.MapWebhooksEndpoints();
api.MapVerificationEndpoints();
api.MapApiClientsEndpoints();
api.MapSigningSecretsEndpoints();
api.MapAuditEndpoints();
api.MapOverviewEndpoints();
api.MapKeysEndpoints();
api.MapNotificationsEndpoints();
api.MapMembersEndpoints();
api.MapMcpSettingsEndpoints();
app.MapTenantsEndpoints();
app.MapStoreEndpoints();
app.MapXrpcEndpoints();
app.MapPortalMcp();
app.MapSvixEndpoints();
app.MapInboundWebhooks();
app.MapSecretScanningEndpoints();
app.MapOAuthCallback();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.BuildEndpointsAlongsideBootstrap();
try
{
    await app.Services.RunPortalBootstrapAsync();
}
catch (StoreConfigurationException e)
{
    await Console.Error.WriteLineAsync($"Portal cannot start: {e.Message}");
    return 1;
}

app.WarmUpAfterStart();
app.WarnIfUnprotected();
// A log line (JSON too, with Logging:Console:FormatterName=json), not a bare console write.
app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "Portal is running (started in {StartMilliseconds:F0} ms). Sign in at {SignIn}",
    (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds, $"{app.Urls.FirstOrDefault() ?? "http://localhost:5000"}/account/login"));
await app.RunAsync();
return 0;

/// <summary>Exposed for WebApplicationFactory.</summary>
public partial class Program;
