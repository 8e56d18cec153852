using Microsoft.Extensions.Options;
using System.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using MudBlazor.Services;
using Portal.Core.ApiClients;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Demo;
using Portal.Core.IntegrationKeys;
using Portal.Core.Integrations;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.Notifications;
using Portal.Core.Retention;
using Portal.Core.OAuth;
using Portal.Core.Outbound;
using Portal.Core.Overview;
using Portal.Core.SecretScanning;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;
using Portal.Features.IntegrationKeys;
using Portal.Features.Mcp;

namespace Portal.Hosting;

/// <summary>The web app's services: the store, each feature's Core services, then what the host adds (auth, HTTP shape, UI).</summary>
public static class PortalServices
{
    public static void AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.Configure<PortalOptions>(configuration.GetSection(PortalOptions.Section));
        services.PostConfigure<PortalOptions>(o => o.LocalAccounts = !configuration.EntraEnabled());
        services.AddSingleton(TimeProvider.System);

        builder.AddPortalTelemetry();
        // Logging:Console:FormatterName=json gives one JSON object per line; its scopes carry the request's TraceId and
        // SpanId (the host tracks them), so a line can be found from a trace and back.
        services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat ??= "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        services.AddPortalStore(configuration, builder.Environment.ContentRootPath);
        services.AddPortalDataProtection(configuration);
        services.AddSingleton<KeyRingWarmer>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRingWarmer>());

        services.AddKeys();
        services.AddAudit();
        services.AddOverview();
        services.AddKeyLifecycle();
        services.AddNotifications();
        services.AddRetention();
        services.AddSecretScanning();
        services.Configure<DemoOptions>(configuration.GetSection(DemoOptions.Section));
        services.AddSingleton<DemoSeeder>();
        services.AddTenancy();
        services.AddApiClients();
        services.AddIntegrations();
        services.AddConfigs();
        services.AddSigningSecrets();
        services.AddIntegrationKeys();
        services.AddWebhooks();
        services.AddMcpSettings();
        services.AddPortalMcp();
        services.AddSecretPathRedaction();
        AddOutbound(builder);
        services.AddOAuth();

        services.AddPortalAuthentication(configuration);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance = SecretPaths.Redact(ctx.ProblemDetails.Instance ?? ctx.HttpContext.Request.Path.Value ?? "");
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
            ProblemTypes.Complete(ctx.ProblemDetails, ctx.HttpContext);
        });
        services.ConfigureHttpJsonOptions(o => PortalJson.Configure(o.SerializerOptions));
        // Binding failures throw, so BadRequestExceptionHandler can say what was wrong instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<BearerSecurityTransformer>();
            o.AddDocumentTransformer<OpenApiDocumentShape>();
            o.AddSchemaTransformer<OpenApiSchemaShape>();
            o.AddDocumentTransformer<IntegrationKeyOpenApi>();
            o.AddOperationTransformer<IntegrationKeyOpenApi>();
            o.AddOperationTransformer<ETagOpenApi>();
        });
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<ChangeFeedHealthCheck>("change-listener", tags: ["ready"]);
        services.AddHttpContextAccessor();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        // After the Razor components' default: circuits re-check the account's security stamp (SessionStamp).
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionStampRevalidation>();
        services.AddMudServices();
    }

    private static void AddOutbound(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<OutboundOptions>(configuration.GetSection(OutboundOptions.Section));
        // Development integrations usually run on localhost: allow private networks there unless configured.
        if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(configuration[$"{OutboundOptions.Section}:AllowPrivateNetworks"]))
        {
            builder.Services.PostConfigure<OutboundOptions>(o => o.AllowPrivateNetworks = true);
        }

        builder.Services.AddOutboundHttp();
    }

    public static async Task RunPortalBootstrapAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Bootstrapper>().RunAsync();
        services.GetRequiredService<KeyRingWarmer>().Warm();
        if (services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled)
        {
            await services.GetRequiredService<DemoSeeder>().SeedAsync(services.GetRequiredService<IOptions<PortalOptions>>().Value.Bootstrap.Tenant);
        }
    }
}
