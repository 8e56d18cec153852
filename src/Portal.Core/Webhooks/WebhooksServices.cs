using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Webhooks;

public static class WebhooksServices
{
    /// <summary>Registers webhook URLs, bindings, the receiver and its group-commit writer.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookIngest>();
        services.AddHostedService<WebhookIngestWriter>();
        services.AddSingleton<WebhookReceiver>();
        return services;
    }
}
