using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.IntegrationKeys;
using Portal.Core.IntegrationKeys;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.IntegrationKeys;

/// <summary>The integration key section: prefix and dates only; a rotation is confirmed, and its key is shown once.</summary>
public sealed class IntegrationKeySectionTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public IntegrationKeySectionTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<IntegrationKeyService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<Portal.Core.KeyLifecycle.KeyInventoryService>());
    }

    private static Actor Admin => new("admin@localhost", ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    private async Task<(string Id, string Key)> IntegrationWithKeyAsync()
    {
        var id = $"ui-{Guid.NewGuid():N}"[..20];
        var created = await _app.Services.GetRequiredService<IntegrationService>().CreateAsync(Admin, new IntegrationInput { Id = id, DisplayName = "UI" });
        Assert.True(created.IsSuccess, created.Error?.Describe());
        var rotated = await _app.Services.GetRequiredService<IntegrationKeyService>().RotateAsync(Admin, id);
        return (id, rotated.Value!.Key);
    }

    [Fact]
    public async Task The_section_shows_the_key_prefix_but_never_the_key()
    {
        var (id, key) = await IntegrationWithKeyAsync();

        var section = Render<IntegrationKeySection>(p => p.Add(s => s.Actor, Admin).Add(s => s.IntegrationId, id));

        section.WaitForAssertion(() => Assert.Contains(key[..16], section.Find("code.key-prefix").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(key, section.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(section.FindAll("button"), b => b.TextContent.Contains("Reveal", StringComparison.OrdinalIgnoreCase) || b.TextContent.Contains("Show", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Rotate_asks_first_then_shows_the_new_key_once_and_afterwards_only_its_prefix()
    {
        var (id, old) = await IntegrationWithKeyAsync();
        var provider = RenderDialogProvider();
        var section = Render<IntegrationKeySection>(p => p.Add(s => s.Actor, Admin).Add(s => s.IntegrationId, id));
        section.WaitForAssertion(() => Assert.Contains(old[..16], section.Markup, StringComparison.Ordinal));

        await section.InvokeAsync(() => Button(section, "Rotate key").Click());
        provider.WaitForAssertion(() => Assert.Contains("stops working now", provider.Markup, StringComparison.Ordinal));
        Assert.Equal(new[] { old }, await UsableKeysAsync(id)); // nothing happens before the confirmation

        await provider.InvokeAsync(() => Button(provider, "Rotate").Click());
        // The click's handler commits the rotation asynchronously (on PostgreSQL it can still be in flight here): wait
        // for the store to hold exactly one usable key that is not the old one.
        var fresh = old;
        for (var attempt = 0; attempt < 200 && fresh == old; attempt++)
        {
            if (await UsableKeysAsync(id) is [var only] && only != old)
            {
                fresh = only;
            }
            else
            {
                await Task.Delay(25);
            }
        }

        Assert.NotEqual(old, fresh);
        provider.WaitForAssertion(() => Assert.Contains(fresh, provider.Markup, StringComparison.Ordinal));

        await provider.InvokeAsync(() => Button(provider, "Done").Click());
        await provider.InvokeAsync(() => Button(provider, "Close without copying").Click());
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        section.WaitForAssertion(() => Assert.Contains(fresh[..16], section.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain(fresh, provider.Markup + section.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_sees_the_prefix_and_no_rotate_button()
    {
        var (id, key) = await IntegrationWithKeyAsync();
        var viewer = Admin with { Role = TenantRole.Viewer };

        var section = Render<IntegrationKeySection>(p => p.Add(s => s.Actor, viewer).Add(s => s.IntegrationId, id));

        section.WaitForAssertion(() => Assert.Contains(key[..16], section.Markup, StringComparison.Ordinal));
        Assert.Empty(section.FindAll("button"));
    }

    private Task<IReadOnlyList<string>> UsableKeysAsync(string id) =>
        _app.Services.GetRequiredService<KeyEngine>().RevealUsableAsync(PortalApplication.Tenant, KeyOwner.ForIntegration(id));
}
