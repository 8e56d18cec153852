using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Features.Integrations;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;

namespace Portal.Tests.Integrations;

/// <summary>The tools editor in the integration dialog: editing keeps the tools, and tool errors are shown on the tools field.</summary>
public sealed class ToolsEditorTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;

    public ToolsEditorTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<IntegrationService>());
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IntegrationView Existing)> OpenAsync()
    {
        using var admin = await _app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        var existing = (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, id)).Value!;
        var provider = RenderDialogProvider();
        await provider.InvokeAsync(() => Dialogs.ShowAsync<IntegrationFormDialog>("Edit integration",
            new DialogParameters<IntegrationFormDialog> { { d => d.Actor, Admin }, { d => d.Existing, existing } }));
        provider.WaitForAssertion(() => Assert.NotEmpty(provider.FindAll(".tools-json textarea")));
        return (provider, existing);
    }

    [Fact]
    public async Task Saving_an_edit_keeps_the_tools()
    {
        var (provider, existing) = await OpenAsync();
        Assert.Contains("get_item", provider.Find(".tools-json textarea").GetAttribute("value") ?? provider.Find(".tools-json textarea").TextContent, StringComparison.Ordinal);

        await provider.InvokeAsync(() => Button(provider, "Save").Click());

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        var saved = (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, existing.Id)).Value!;
        Assert.Equal(new[] { "get_item", "list_items", "hidden_tool" }, saved.Tools.Select(t => t.Id));
    }

    [Fact]
    public async Task Invalid_tools_show_their_field_errors_and_nothing_is_saved()
    {
        var (provider, existing) = await OpenAsync();

        await provider.InvokeAsync(() => provider.Find(".tools-json textarea").Change("""[{"id":"a","inputSchema":{"type":"string"},"request":{"method":"GET","url":"x"}}]"""));
        await provider.InvokeAsync(() => Button(provider, "Save").Click());

        provider.WaitForAssertion(() => Assert.Contains("tools[0].inputSchema", provider.Markup, StringComparison.Ordinal));
        var saved = (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, existing.Id)).Value!;
        Assert.Equal(3, saved.Tools.Count);
    }
}
