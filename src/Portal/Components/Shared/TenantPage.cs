using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Portal.Core.Common;
using Portal.Core.Tenancy;

namespace Portal.Components.Shared;

/// <summary>Base of every page under <c>/t/{Tenant}</c>: resolves the signed-in person to an <see cref="Actor"/> of that tenant.</summary>
public abstract class TenantPage : ComponentBase
{
    [Parameter]
    public string Tenant { get; set; } = "";

    [CascadingParameter]
    private Task<AuthenticationState> AuthState { get; set; } = default!;

    [CascadingParameter(Name = "ClientIp")]
    private string? ClientIp { get; set; }

    [Inject]
    private TenantAccess Access { get; set; } = default!;

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [Inject]
    protected IDialogService Dialogs { get; set; } = default!;

    /// <summary>Null while loading, and when the tenant is not the person's (then <see cref="TenantMissing"/>).</summary>
    protected Actor? Actor { get; private set; }

    protected bool TenantMissing { get; private set; }

    protected bool CanEdit => Actor?.IsAdmin == true;

    protected override async Task OnParametersSetAsync()
    {
        if (Actor?.TenantId != Tenant)
        {
            var access = await Access.AuthorizeAsync((await AuthState).User, Tenant, ClientIp);
            if (access.Error?.Kind == ErrorKind.Forbidden)
            {
                // The tenant requires two-factor sign-in and this person has not turned it on: set it up first.
                Navigation.NavigateTo($"/account?required={Uri.EscapeDataString(Tenant)}", forceLoad: true);
                return;
            }

            Actor = access.Value;
            TenantMissing = Actor is null;
        }

        if (Actor is not null)
        {
            await LoadAsync();
        }
    }

    protected virtual Task LoadAsync() => Task.CompletedTask;

    /// <summary>The signed-in principal, for the few reads that are not the tenant's (e.g. whether they administer the portal).</summary>
    protected async Task<System.Security.Claims.ClaimsPrincipal> UserAsync() => (await AuthState).User;

    /// <summary>Shows a failure in a snackbar (and a success message when given); returns whether it succeeded.</summary>
    protected bool Report<T>(Result<T> result, string? success = null)
    {
        if (!result.IsSuccess)
        {
            Snackbar.Add(result.Error!.Describe(), Severity.Error);
            return false;
        }

        if (success is not null)
        {
            Snackbar.Add(success, Severity.Success);
        }

        return true;
    }

    protected string TenantUrl(string path) => $"/t/{Uri.EscapeDataString(Tenant)}/{path}";

    public static string When(long epochMs) => DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
