using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E.Accessibility;

/// <summary>Issue 15 point 7: every action by keyboard with a visible focus; dialogs open on the safe button, close on Escape and give focus back.</summary>
public sealed class KeyboardE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task An_integration_can_be_created_with_the_keyboard_alone_and_focus_is_visible() => RunAsync(async () =>
    {
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);

        await TabToAsync("New integration");
        Assert.True(await FocusIsVisibleAsync(), "the focused button shows no outline");
        await Page.Keyboard.PressAsync("Enter");
        await Expect(integrations.Dialog).ToBeVisibleAsync();
        // The dialog takes the focus once it is open and interactive (a keyboard user starts there). Tabbing earlier raced
        // its first renders on a loaded machine: the id was typed into a field that was then drawn anew, empty.
        await Page.WaitForFunctionAsync("() => !!document.activeElement?.closest('[role=dialog]')");

        var id = $"kbd-{Guid.NewGuid():N}"[..16];
        await TabToAsync("Id");
        await Page.Keyboard.TypeAsync(id);
        await Expect(integrations.Dialog.GetByLabel("Id", new() { Exact = true })).ToHaveValueAsync(id);
        await TabToAsync("Display name");
        await Page.Keyboard.TypeAsync("Typed, not clicked");
        await TabToAsync("Create");
        await Page.Keyboard.PressAsync("Enter");

        await Expect(integrations.Dialog).ToBeHiddenAsync();
        await Expect(integrations.RowWith(id)).ToHaveCountAsync(1);
        // Focus went back to what opened the dialog, not to the page's body.
        Assert.NotEqual("BODY", await Page.EvaluateAsync<string>("() => document.activeElement?.tagName ?? 'BODY'"));
    });

    [Fact]
    public Task A_rotate_confirmation_opens_on_cancel_closes_on_escape_and_a_grace_period_keeps_both_urls_working() => RunAsync(async () =>
    {
        var seeded = await SeededTenant.CreateAsync(Server);
        var firstUrl = seeded.WebhookUrl;
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var config = new ConfigPage(Page);
        await Page.GotoAsync($"/t/{PortalServer.Tenant}/integrations/{seeded.Integration}/configs/{seeded.Config}");
        await config.WaitUntilInteractiveAsync();

        // Enter on a freshly opened confirmation never rotates: the focus is on Cancel.
        await config.RotateWebhookUrlButton.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        var confirm = Page.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToBeVisibleAsync();
        await Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Escape");
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(config.RotateWebhookUrlButton).ToBeFocusedAsync();

        // Rotate with a grace period of an hour: a new URL is shown once, and the previous one still works until then.
        await config.RotateWebhookUrlButton.ClickAsync();
        await confirm.GetByRole(AriaRole.Radio, new() { Name = "In 1 hour: both work until then" }).CheckAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
        await Expect(config.SecretField).ToHaveValueAsync(new Regex("/whk_[0-9A-Za-z]+$"));
        var secondUrl = await config.SecretField.InputValueAsync();
        Assert.NotEqual(firstUrl, secondUrl);
        await config.CopyButton.ClickAsync();
        await config.DoneButton.ClickAsync();
        await Expect(config.Dialog).ToBeHiddenAsync();
        await Expect(config.WebhookPanel.Locator(".previous-key")).ToContainTextAsync("keeps working until");

        using var sender = new HttpClient();
        foreach (var url in new[] { firstUrl, secondUrl })
        {
            using var delivered = await sender.PostAsync(url, new StringContent("{\"ok\":true}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }

        var html = await Page.ContentAsync();
        Assert.DoesNotContain(secondUrl[(secondUrl.LastIndexOf('/') + 1)..], html, StringComparison.Ordinal);
    });

    /// <summary>Presses Tab until the focused element's accessible name (label, aria-label or text) is <paramref name="name"/>.</summary>
    private async Task TabToAsync(string name)
    {
        for (var i = 0; i < 60; i++)
        {
            await Page.Keyboard.PressAsync("Tab");
            var focused = await Page.EvaluateAsync<string>(
                @"() => { const e = document.activeElement; if (!e) return '';
                          const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
                          return (e.getAttribute('aria-label') || label || e.textContent || '').trim(); }");
            if (string.Equals(focused.TrimEnd('*', ' '), name, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        throw new InvalidOperationException($"Tab never reached '{name}'.");
    }

    private Task<bool> FocusIsVisibleAsync() =>
        Page.EvaluateAsync<bool>("() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }");
}
