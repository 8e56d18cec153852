using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Webhooks;

public static class WebhooksServices
{
    /// <summary>Registers webhook URLs, bindings and the receiver.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookReceiver>();
        return services;
    }
}
