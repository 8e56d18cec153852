using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Portal.E2E.Accessibility;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The Notifications page (issue 17) in a browser: an Admin adds an endpoint pointing at a real receiver on loopback,
/// copies its secret from the once-only dialog, sends a test event, and watches the attempts log show it succeeded;
/// the receiver got exactly that one signed POST.
/// </summary>
public sealed class NotificationsE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    private static readonly string PagePath = $"/t/{PortalServer.Tenant}/settings/notifications";

    [Fact]
    public Task An_admin_adds_an_endpoint_sends_a_test_event_and_sees_it_succeed_in_the_attempts_log() => RunAsync(async () =>
    {
        await using var receiver = await Receiver.StartAsync();
        var url = $"{receiver.BaseUrl}/portal-events/{Guid.NewGuid():N}";
        await Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        // Interactive first: a menu click while the home page's circuit is still starting lands on the new address, and
        // the starting circuit then renders the home page there (a run failed so).
        await WaitUntilInteractiveAsync();
        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Notifications", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Notifications", Level = 1, Exact = true })).ToBeVisibleAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/settings/notifications$"));
        await WaitUntilInteractiveAsync();
        try
        {
            await Page.GetByLabel("URL", new() { Exact = true }).FillAsync(url);
            await Page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint", Exact = true }).ClickAsync();

            var dialog = Page.GetByRole(AriaRole.Dialog);
            var secretField = dialog.GetByRole(AriaRole.Textbox, new() { Name = "signing secret", Exact = true });
            await Expect(secretField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
            var secret = await secretField.InputValueAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true }).ClickAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true }).ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();
            Assert.DoesNotContain(secret, await EverythingOnThePageAsync(), StringComparison.Ordinal);

            var row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = url });
            await Expect(row).ToContainTextAsync("All events");
            await Expect(row).ToContainTextAsync("enabled");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Send test event to {url}", Exact = true }).ClickAsync();
            await Expect(Page.GetByText("Test event queued")).ToBeVisibleAsync();

            // The dispatcher polls every second; the log reads itself again until the event's attempt shows.
            var attempts = Page.GetByRole(AriaRole.Region, new() { Name = $"Attempts: {url}" });
            var attempt = attempts.GetByRole(AriaRole.Row).Filter(new() { HasText = "notification.test" });
            await Expect(attempt).ToContainTextAsync("succeeded");
            await Expect(attempt).ToContainTextAsync("HTTP 200");
            await Expect(row).ToContainTextAsync("succeeded");

            var received = Assert.Single(receiver.Received);
            Assert.Matches("^msg_", received.WebhookId);
            Assert.False(string.IsNullOrEmpty(received.Signature));
            await Expect(attempt).ToContainTextAsync(received.WebhookId);
            Assert.Contains("\"type\":\"notification.test\"", received.Body, StringComparison.Ordinal);

            // The page as it stays, after the snackbar has gone (axe measures a snackbar mid-fade as low contrast).
            await Expect(Page.Locator(".mud-snackbar")).ToHaveCountAsync(0);
            var violations = await A11y.SeriousViolationsAsync(Page);
            Assert.True(violations.Count == 0, string.Join("\n", violations));
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ResultsDirectory(), "notifications-page.png"), FullPage = true });

            await row.GetByRole(AriaRole.Button, new() { Name = $"Delete {url}", Exact = true }).ClickAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
            await Expect(attempts).ToHaveCountAsync(0);
        }
        finally
        {
            await DeleteIfLeftAsync(url);
        }
    });

    /// <summary>A failed run must not leave an endpoint that every later key event of the shared tenant is sent to.</summary>
    private async Task DeleteIfLeftAsync(string url)
    {
        using var api = await Server.ApiAsync();
        var list = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>(api, $"/v1/tenants/{PortalServer.Tenant}/notification-endpoints");
        foreach (var item in list!["items"]!.AsArray().Where(i => i!["url"]!.GetValue<string>() == url))
        {
            using var deleted = await api.DeleteAsync($"/v1/tenants/{PortalServer.Tenant}/notification-endpoints/{item!["id"]!.GetValue<string>()}");
        }
    }

    private Task<string> EverythingOnThePageAsync() => Page.EvaluateAsync<string>(
        "() => document.documentElement.outerHTML + JSON.stringify([...document.querySelectorAll('input,textarea')].map(e => e.value))");

    /// <summary>One POST as the receiver got it.</summary>
    private sealed record ReceivedPost(string WebhookId, string Signature, string Body);

    /// <summary>A tenant's notification receiver on 127.0.0.1 (the E2E app allows private networks): records each POST, answers 200.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app) => _app = app;

        public string BaseUrl { get; private set; } = "";

        public ConcurrentQueue<ReceivedPost> Received { get; } = new();

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/{**path}", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                receiver.Received.Enqueue(new ReceivedPost(request.Headers["webhook-id"].ToString(), request.Headers["webhook-signature"].ToString(), await reader.ReadToEndAsync()));
                return Results.Text("received", "text/plain");
            });
            await app.StartAsync();
            receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
