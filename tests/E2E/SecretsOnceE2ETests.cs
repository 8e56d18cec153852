using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.E2E.Accessibility;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// Issue 15's suite: each kind of secret the UI mints (signing token, API client secret, integration key) is shown once
/// and is nowhere in the page (HTML or input values) after its dialog closes; a double click makes one object.
/// </summary>
public sealed class SecretsOnceE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    private ILocator Dialog => Page.GetByRole(AriaRole.Dialog);

    [Fact]
    public Task Rotating_a_signing_secret_shows_the_new_token_once() => RunAsync(async () =>
    {
        var name = $"once-{Guid.NewGuid():N}"[..16];
        string old;
        using (var api = await Server.ApiAsync())
        using (var created = await api.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/signing-secrets", new { name }))
        {
            old = (await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        }

        await SignInAsync($"/t/{PortalServer.Tenant}/signing-secrets");
        await Page.GetByRole(AriaRole.Button, new() { Name = $"Rotate {name}", Exact = true }).ClickAsync();
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
        var token = await TakeSecretOnceAsync();
        Assert.StartsWith("whsec_", token, StringComparison.Ordinal);
        Assert.NotEqual(old, token);
        await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToContainTextAsync(token[..14]);
    });

    [Fact]
    public Task An_api_client_secret_is_shown_once_at_creation_and_again_once_at_rotation() => RunAsync(async () =>
    {
        await SignInAsync($"/t/{PortalServer.Tenant}/api-clients");
        var name = $"Client {Guid.NewGuid():N}"[..16];
        await Page.GetByLabel("Client name", new() { Exact = true }).FillAsync(name);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create client", Exact = true }).ClickAsync();
        var first = await TakeSecretOnceAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = $"Rotate secret of {name}", Exact = true }).ClickAsync();
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
        var second = await TakeSecretOnceAsync();
        Assert.NotEqual(first, second);
        Assert.DoesNotContain(first, await EverythingOnThePageAsync(), StringComparison.Ordinal);
    });

    [Fact]
    public Task An_integration_key_is_shown_once_from_its_tab() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        await SignInAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}?tab=integration-key");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Generate key" }).ClickAsync();
        var key = await TakeSecretOnceAsync();
        Assert.StartsWith("integsk_", key, StringComparison.Ordinal);
        await Expect(Page.Locator(".key-prefix")).ToContainTextAsync(key[..12]);
    });

    [Fact]
    public Task A_double_click_on_create_makes_one_integration() => RunAsync(async () =>
    {
        await SignInAsync($"/t/{PortalServer.Tenant}/integrations");
        var integrations = new IntegrationsPage(Page);
        var id = $"dbl-{Guid.NewGuid():N}"[..16];
        await integrations.NewIntegrationButton.ClickAsync();
        await integrations.Dialog.GetByLabel("Id", new() { Exact = true }).FillAsync(id);
        await integrations.Dialog.GetByLabel("Display name", new() { Exact = true }).FillAsync("Clicked twice");
        await integrations.Dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).DblClickAsync();
        await Expect(integrations.Dialog).ToBeHiddenAsync();

        using var api = await Server.ApiAsync();
        var list = await api.GetFromJsonAsync<JsonObject>($"/v1/tenants/{PortalServer.Tenant}/integrations?q={id}");
        Assert.Equal(1, list!["total"]!.GetValue<int>());
        await Expect(integrations.RowWith(id)).ToHaveCountAsync(1);
    });

    [Fact]
    public Task A_refused_field_shows_its_message_in_words_at_the_field() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        await SignInAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}");
        var name = Page.GetByLabel("Display name", new() { Exact = true });
        await name.FillAsync("");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save draft", Exact = true }).ClickAsync();
        var field = Page.Locator(".mud-input-control").Filter(new() { Has = name });
        await Expect(field).ToContainTextAsync("Display name is required.");
        await Expect(field).Not.ToContainTextAsync("displayName");
    });

    private async Task SignInAsync(string path)
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await OpenPageAsync(path);
    }

    /// <summary>Reads the secret from the SecretOnceDialog, copies it, closes the dialog, and checks the page no longer holds it.</summary>
    private async Task<string> TakeSecretOnceAsync()
    {
        var field = Dialog.Locator(".secret-value textarea, .secret-value input").First;
        await Expect(field).Not.ToHaveValueAsync("");
        var secret = await field.InputValueAsync();
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true }).ClickAsync();
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true }).ClickAsync();
        await Expect(Dialog).ToBeHiddenAsync();
        Assert.DoesNotContain(secret, await EverythingOnThePageAsync(), StringComparison.Ordinal);
        return secret;
    }

    private Task<string> EverythingOnThePageAsync() => Page.EvaluateAsync<string>(
        "() => document.documentElement.outerHTML + JSON.stringify([...document.querySelectorAll('input,textarea')].map(e => e.value))");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
    }
}
