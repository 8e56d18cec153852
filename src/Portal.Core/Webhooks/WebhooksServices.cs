using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

public static class WebhooksServices
{
    /// <summary>Registers webhook URLs, bindings, the receiver and its group-commit writer.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookService>();
        services.AddOptions<WebhookIngestOptions>().BindConfiguration(WebhookIngestOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookIngestOptions>, WebhookIngestOptionsValidation>();
        services.AddSingleton<WebhookIngest>();
        services.AddHostedService<WebhookIngestWriter>();
        services.AddSingleton<WebhookReceiver>();
        return services;
    }
}
