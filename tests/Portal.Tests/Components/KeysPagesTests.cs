using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.KeyLifecycle;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Features.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;

namespace Portal.Tests.Components;

/// <summary>
/// The Keys page and the Key policy form against the real Core services: the inventory lists a key by its prefix with a
/// Rotate button for Admins and none for Viewers; a policy Core refuses shows its message under the field it names.
/// </summary>
public sealed class KeysPagesTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public KeysPagesTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<KeyInventoryService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<KeyPolicyService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<TenantAccess>());
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    [Fact]
    public async Task The_keys_page_lists_a_key_by_its_prefix_with_its_owner_and_a_rotate_button_for_an_admin()
    {
        SignInAsAdmin();
        var prefix = await NewSigningSecretPrefixAsync();
        var page = Render<KeysPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));

        var row = page.WaitForElement($"tr:has(button[aria-label='Rotate {prefix}'])");
        Assert.Contains($"{prefix}…", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Signing secret", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("active", row.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll(".read-only-notice"));
    }

    [Fact]
    public async Task A_viewer_sees_the_keys_and_the_read_only_notice_but_no_rotate_button()
    {
        var prefix = await NewSigningSecretPrefixAsync();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("viewer-client");
        auth.SetClaims(new Claim(PortalClaims.Tenant, PortalApplication.Tenant), new Claim(PortalClaims.Role, nameof(TenantRole.Viewer)), new Claim(PortalClaims.ClientId, "viewer-client"));
        var page = Render<KeysPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));

        page.WaitForAssertion(() => Assert.Contains($"{prefix}…", page.Markup, StringComparison.Ordinal));
        Assert.Contains("Read-only: you are a Viewer of this tenant.", page.Find(".read-only-notice").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() is "Rotate" or "End grace now");
    }

    [Fact]
    public async Task A_warning_period_as_long_as_the_maximum_age_is_refused_under_the_warn_days_field_of_its_kind()
    {
        SignInAsAdmin();
        var page = Render<KeyPolicyPage>(p => p.Add(k => k.Tenant, PortalApplication.Tenant));
        page.WaitForElement("[role=group][aria-labelledby='policy-mcp_key']");

        // Each element is found and used on the renderer's own thread: MudBlazor's fields render again after their first
        // render, and a handler found before such a render is gone by the time it is used (a fresh-clone run failed so).
        await page.InvokeAsync(() => Control(page, "mcp_key", "Max age (days)").Change("10"));
        await page.InvokeAsync(() => Control(page, "mcp_key", "Warn days").Change("10"));
        await page.InvokeAsync(() => Button(page, "Save key policy").Click());

        page.WaitForAssertion(() => Assert.Contains("must be less than maxAgeDays (10)", Field(page, "mcp_key", "Warn days").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("must be less than", Field(page, "mcp_key", "Max age (days)").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("must be less than", Field(page, "webhook_key", "Warn days").TextContent, StringComparison.Ordinal);
    }

    private void SignInAsAdmin()
    {
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(PortalApplication.AdminEmail);
        auth.SetClaims(new Claim(ClaimTypes.Email, PortalApplication.AdminEmail));
    }

    /// <summary>A new signing secret (a key of the inventory) made through Core; its prefix as pages show it.</summary>
    private async Task<string> NewSigningSecretPrefixAsync()
    {
        var name = SigningSecretTestData.NewName("keys");
        var created = await _app.Services.GetRequiredService<SigningSecretService>().CreateAsync(Admin, new SigningSecretInput { Name = name });
        return created.Value!.Token[..14];
    }

    private static IElement Group(IRenderedComponent<KeyPolicyPage> page, string kind) =>
        page.Find($"[role=group][aria-labelledby='policy-{kind}']");

    private static IElement Field(IRenderedComponent<KeyPolicyPage> page, string kind, string label) =>
        Group(page, kind).QuerySelectorAll("label").First(l => l.TextContent.Trim() == label).Closest(".mud-input-control")!;

    private static IElement Control(IRenderedComponent<KeyPolicyPage> page, string kind, string label)
    {
        var element = Group(page, kind).QuerySelectorAll("label").First(l => l.TextContent.Trim() == label);
        return page.Find($"#{element.GetAttribute("for")}");
    }
}
