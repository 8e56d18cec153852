using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Notifications;

public static class NotificationServices
{
    /// <summary>Registers notification endpoints, the outbox dispatcher and its background runner (<c>Portal:Notifications</c>).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section);
        services.AddSingleton<NotificationSignal>();
        services.AddSingleton<NotificationDispatcher>();
        services.AddSingleton<NotificationEndpointService>();
        services.AddSingleton<KeyUseAlerts>();
        services.AddHostedService<NotificationDispatcherService>();
        return services;
    }
}
