using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Core.Account;

public static class AccountServices
{
    /// <summary>Registers the account service and the user store that protects two-factor secrets (call after Identity's stores).</summary>
    public static IServiceCollection AddAccount(this IServiceCollection services)
    {
        services.AddSingleton<AccountService>();
        services.Replace(ServiceDescriptor.Scoped<IUserStore<Tenancy.PortalUser>, PortalUserStore>());
        return services;
    }
}
