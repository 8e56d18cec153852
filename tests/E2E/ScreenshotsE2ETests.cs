using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The README's screenshots, taken from the running app with its demo data (issue 15 point 8). Each page must show its
/// title before it is captured; <c>bash scripts/screenshots.sh</c> copies them from TestResults/screenshots to docs/screenshots.
/// </summary>
public sealed class ScreenshotsE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    public static string Directory => Path.Combine(ResultsDirectory(), "screenshots");

    [Fact]
    public Task The_main_pages_render_with_the_demo_data_and_are_captured() => RunAsync(async () =>
    {
        System.IO.Directory.CreateDirectory(Directory);
        await Page.GotoAsync(LoginPage.Path);
        await CaptureAsync("sign-in", "Sign in to Portal");

        var login = new LoginPage(Page);
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        string live;
        using (var api = await Server.ApiAsync())
        {
            var configs = await api.GetFromJsonAsync<JsonObject>($"/v1/tenants/{PortalServer.Tenant}/integrations/stripe/configs");
            live = configs!["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        }

        var t = $"/t/{PortalServer.Tenant}";
        foreach (var (name, path, title) in new[]
        {
            ("home", t, PortalServer.Tenant),
            ("integrations", $"{t}/integrations?tag=crm", "Integrations"),
            ("integration", $"{t}/integrations/salesforce", "Salesforce"),
            ("config", $"{t}/integrations/stripe/configs/{live}", "Live"),
            ("events", $"{t}/integrations/stripe/configs/{live}/events", "Webhook events"),
            ("signing-secrets", $"{t}/signing-secrets", "Signing secrets"),
            ("keys", $"{t}/keys", "Keys"),
            ("key-policy", $"{t}/settings/keys", "Key policy"),
            ("audit", $"{t}/audit", "Audit log"),
        })
        {
            await OpenPageAsync(path);
            await CaptureAsync(name, title);
        }

        await Page.SetViewportSizeAsync(390, 844);
        await OpenPageAsync(t);
        await CaptureAsync("home-phone", PortalServer.Tenant);
    });

    private async Task CaptureAsync(string name, string title)
    {
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = title, Exact = true })).ToBeVisibleAsync();
        await Expect(Page.Locator(".mud-progress-linear")).ToHaveCountAsync(0);
        var file = Path.Combine(Directory, $"{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = false });
        Assert.True(new FileInfo(file).Length > 1000, $"{file} is empty");
    }
}
