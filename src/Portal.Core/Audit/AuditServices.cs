using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Audit;

public static class AuditServices
{
    /// <summary>Registers the audit log.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditService>();
        services.AddSingleton<Refusals>();
        return services;
    }
}
