using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class McpE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task Enabling_mcp_shows_the_key_once_with_a_client_snippet_and_rotate_replaces_it() => RunAsync(async () =>
    {
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var integrations = new IntegrationsPage(Page);
        await integrations.OpenAsync(PortalServer.Tenant);
        var id = $"mcp-{Guid.NewGuid():N}"[..16];
        await integrations.CreateAsync(id, $"MCP {id}", "Exposed to agents.");
        await Expect(integrations.Dialog).ToBeHiddenAsync();

        var mcp = new McpTab(Page);
        await mcp.OpenAsync(PortalServer.Tenant, id);
        await mcp.Enabled.CheckAsync(new() { Force = true });
        await mcp.SaveButton.ClickAsync();

        await Expect(mcp.SecretField).ToHaveValueAsync(new Regex("^mcp_[0-9A-Za-z]+$"));
        var key = await mcp.SecretField.InputValueAsync();
        await Expect(mcp.Snippet).ToHaveValueAsync(new Regex(Regex.Escape($"Bearer {key}")));
        await mcp.CopyButton.ClickAsync();
        await Expect(mcp.Copied).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(key, await Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await mcp.DoneButton.ClickAsync();
        await Expect(mcp.Dialog).ToBeHiddenAsync();
        await Expect(mcp.KeyPrefix).ToContainTextAsync($"{key[..12]}…");
        Assert.DoesNotContain(key, await Page.ContentAsync(), StringComparison.Ordinal);

        await mcp.RotateButton.ClickAsync();
        await Expect(mcp.Dialog).ToContainTextAsync("stops working now");
        await mcp.Dialog.GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
        await Expect(mcp.SecretField).ToHaveValueAsync(new Regex("^mcp_[0-9A-Za-z]+$"));
        var fresh = await mcp.SecretField.InputValueAsync();
        Assert.NotEqual(key, fresh);
        await mcp.CopyButton.ClickAsync();
        await mcp.DoneButton.ClickAsync();
        await Expect(mcp.Dialog).ToBeHiddenAsync();
        await Expect(mcp.KeyPrefix).ToContainTextAsync($"{fresh[..12]}…");
        Assert.DoesNotContain(fresh, await Page.ContentAsync(), StringComparison.Ordinal);
    });
}
