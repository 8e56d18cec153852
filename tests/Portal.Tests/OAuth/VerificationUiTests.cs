using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.OAuth;
using Portal.Core.Configs;
using Portal.Core.Integrations;
using Portal.Core.OAuth;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>
/// The config page's Verify (the badge follows the result) and the integration page's "Verify stored credentials",
/// over the real services and a loopback upstream.
/// </summary>
public sealed class VerificationUiTests : PortalComponentTest, IClassFixture<PortalApplication>, IAsyncLifetime
{
    private static readonly Actor Admin = new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);
    private readonly PortalApplication _app;
    private LoopbackUpstream _upstream = null!;

    public VerificationUiTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<VerificationService>());
        Context.Services.AddSingleton(app.Services.GetRequiredService<ConfigService>());
    }

    async Task IAsyncLifetime.InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await Context.DisposeAsync();
    }

    private async Task<(IntegrationView Integration, ConfigView Config)> ConfigAsync(string apiKey)
    {
        using var http = await _app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(apiKey))));
        var view = (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, integration)).Value!;
        return (view, (await _app.Services.GetRequiredService<ConfigService>().GetAsync(Admin, integration, Guid.Parse(config))).Value!);
    }

    private static string Connection(IRenderedComponent<VerifyPanel> panel) => panel.Find("[aria-label='Connection']").TextContent;

    [Fact]
    public async Task A_successful_verify_turns_the_badge_connected_and_tells_the_page()
    {
        var (integration, config) = await ConfigAsync(LoopbackUpstream.ApiKey);
        ConfigView? told = null;
        var panel = Render<VerifyPanel>(p => p.Add(x => x.Actor, Admin).Add(x => x.Integration, integration).Add(x => x.Config, config)
            .Add(x => x.CanEdit, true).Add(x => x.OnVerified, c => told = c));
        Assert.Contains("Not connected", Connection(panel), StringComparison.Ordinal);

        await panel.InvokeAsync(() => Button(panel, "Verify").Click());

        panel.WaitForAssertion(() => Assert.Contains("The credentials work.", Connection(panel), StringComparison.Ordinal));
        Assert.DoesNotContain("Not connected", Connection(panel), StringComparison.Ordinal);
        Assert.Contains("Connected", Connection(panel), StringComparison.Ordinal);
        Assert.Contains("Verified ", panel.Find("[aria-label='Last verification']").TextContent, StringComparison.Ordinal);
        Assert.Equal(AuthStatus.Connected, told?.AuthStatus);
    }

    [Fact]
    public async Task A_failed_verify_keeps_the_badge_not_connected_and_shows_the_recorded_failure()
    {
        var (integration, config) = await ConfigAsync("wrong-ui-key-31");
        var panel = Render<VerifyPanel>(p => p.Add(x => x.Actor, Admin).Add(x => x.Integration, integration).Add(x => x.Config, config).Add(x => x.CanEdit, true));

        await panel.InvokeAsync(() => Button(panel, "Verify").Click());

        panel.WaitForAssertion(() => Assert.Contains("Last verification failed", panel.Markup, StringComparison.Ordinal));
        Assert.Contains("Not connected", Connection(panel), StringComparison.Ordinal);
        Assert.Contains("HTTP 401", panel.Find("[aria-label='Last verification']").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-ui-key-31", panel.Markup, StringComparison.Ordinal);
    }

    private async Task<IntegrationView> StoredIntegrationAsync(string testPath, string storedKey)
    {
        var id = ApiTestData.NewId("ui-stored");
        using var http = await _app.ClientAsync();
        await http.CreateIntegrationAsync(new JsonObject
        {
            ["id"] = id, ["displayName"] = "Stored UI",
            ["configMetadata"] = new JsonObject
            {
                ["authMetadata"] = new JsonArray(new JsonObject
                {
                    ["id"] = "key", ["type"] = "API_KEY", ["configTestSupported"] = true,
                    ["authSettings"] = new JsonObject { ["parameters"] = new JsonObject { ["testUrl"] = $"{_upstream.BaseUrl}{testPath}", ["apiKey"] = storedKey } },
                }),
            },
        });
        return (await _app.Services.GetRequiredService<IntegrationService>().GetAsync(Admin, id)).Value!;
    }

    [Fact]
    public async Task Verify_stored_credentials_shows_progress_while_it_runs_then_the_result_per_auth_method()
    {
        // seed 001: "use `:verifyConfig` to confirm credentials still authenticate without retrieving them"
        var integration = await StoredIntegrationAsync("/gated", LoopbackUpstream.ApiKey);
        var check = Render<StoredCredentialsCheck>(p => p.Add(x => x.Actor, Admin).Add(x => x.Integration, integration));

        var click = check.InvokeAsync(() => Button(check, "Verify stored credentials").Click());

        check.WaitForAssertion(() => Assert.NotEmpty(check.FindAll("[aria-label='Verifying stored credentials']")));
        Assert.True(Button(check, "Verify stored credentials").HasAttribute("disabled"));
        _upstream.Gate.Release();
        await click;
        check.WaitForAssertion(() => Assert.Contains("The stored credentials work.", check.Markup, StringComparison.Ordinal));
        Assert.Empty(check.FindAll("[aria-label='Verifying stored credentials']"));
        Assert.Contains("key: works", check.Find("[aria-label='Auth method key']").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(LoopbackUpstream.ApiKey, check.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_credential_that_no_longer_works_is_reported_for_its_auth_method()
    {
        var integration = await StoredIntegrationAsync("/ping", "stale-ui-stored-09");
        var check = Render<StoredCredentialsCheck>(p => p.Add(x => x.Actor, Admin).Add(x => x.Integration, integration));

        await check.InvokeAsync(() => Button(check, "Verify stored credentials").Click());

        check.WaitForAssertion(() => Assert.Contains("HTTP 401", check.Find("[aria-label='Auth method key']").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("stale-ui-stored-09", check.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_is_not_offered_the_action()
    {
        var integration = await StoredIntegrationAsync("/ping", LoopbackUpstream.ApiKey);

        var check = Render<StoredCredentialsCheck>(p => p.Add(x => x.Actor, Admin with { Role = TenantRole.Viewer }).Add(x => x.Integration, integration));

        Assert.DoesNotContain(check.FindAll("button"), b => b.TextContent.Contains("Verify stored credentials", StringComparison.Ordinal));
    }
}
