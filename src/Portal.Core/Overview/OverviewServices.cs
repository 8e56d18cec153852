using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Overview;

public static class OverviewServices
{
    /// <summary>Registers the tenant home page's service.</summary>
    public static IServiceCollection AddOverview(this IServiceCollection services) => services.AddSingleton<OverviewService>();
}
