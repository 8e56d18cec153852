using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

/// <summary>
/// <see cref="ConfigAccess"/>, the one way every feature reaches a config: a missing config or another tenant's is 404
/// before a Viewer is refused a change (403), and its credentials are decrypted only when an operation asks for them.
/// </summary>
public sealed class ConfigAccessTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string OtherTenant = "config-access-other";
    private const string ApiToken = "tok-config-access-9f3b";

    /// <summary>The same integration id in this tenant and another, each with a config; the other tenant's config id.</summary>
    private async Task<(string Integration, Guid Own, Guid Others)> TwoTenantsAsync()
    {
        var id = NewId("access");
        var config = new JsonObject
        {
            ["displayName"] = "Prod",
            ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example", ["apiToken"] = ApiToken },
        };
        using var admin = await app.ClientAsync();
        await admin.CreateIntegrationAsync(Integration(id));
        var own = await admin.CreateConfigAsync(id, config.DeepClone().AsObject());

        using var other = await app.OtherTenantClientAsync(OtherTenant);
        await other.CreateIntegrationAsync(Integration(id), OtherTenant);
        var others = await (await other.PostAsJsonAsync($"/v1/tenants/{OtherTenant}/integrations/{id}/configs", config)).ExpectAsync(HttpStatusCode.Created);
        return (id, Guid.Parse(own["id"]!.GetValue<string>()), Guid.Parse(others["id"]!.GetValue<string>()));
    }

    private static Actor As(TenantRole role) => new("access-test", ActorKind.ApiClient, PortalApplication.Tenant, role, null);

    private (ConfigAccess Access, CountingProvider Counter) Access()
    {
        var counter = new CountingProvider(app.Services.GetRequiredService<IDataProtectionProvider>());
        return (new ConfigAccess(app.Services.GetRequiredService<IntegrationService>(), new CredentialProtector(counter), app.Services.GetRequiredService<Portal.Core.Audit.Refusals>()), counter);
    }

    private async Task<Result<LoadedConfig>> LoadAsync(ConfigAccess access, TenantRole role, string integration, Guid config, bool forWrite)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await access.LoadAsync(db, As(role), integration, config, forWrite, default);
    }

    [Fact]
    public async Task A_missing_or_another_tenants_config_is_404_before_a_viewer_is_refused()
    {
        var (integration, own, others) = await TwoTenantsAsync();
        var (access, _) = Access();

        foreach (var (config, role, forWrite) in new[] { (others, TenantRole.Viewer, true), (others, TenantRole.Admin, false), (Guid.NewGuid(), TenantRole.Viewer, true) })
        {
            var result = await LoadAsync(access, role, integration, config, forWrite);
            Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
            Assert.Equal($"Config '{config}' was not found for integration '{integration}'.", result.Error!.Detail);
        }

        var noIntegration = await LoadAsync(access, TenantRole.Viewer, NewId("missing"), own, forWrite: true);
        Assert.Equal(ErrorKind.NotFound, noIntegration.Error?.Kind);
        Assert.Contains("Integration", noIntegration.Error!.Detail);

        Assert.Equal(ErrorKind.Forbidden, (await LoadAsync(access, TenantRole.Viewer, integration, own, forWrite: true)).Error?.Kind);
        Assert.True((await LoadAsync(access, TenantRole.Viewer, integration, own, forWrite: false)).IsSuccess);
        Assert.True((await LoadAsync(access, TenantRole.Admin, integration, own, forWrite: true)).IsSuccess);
    }

    [Fact]
    public async Task Credentials_are_decrypted_only_when_asked_for_and_once()
    {
        var (integration, own, _) = await TwoTenantsAsync();
        var (access, counter) = Access();

        var loaded = (await LoadAsync(access, TenantRole.Admin, integration, own, forWrite: true)).Value!;
        Assert.Equal("Prod", loaded.Content.DisplayName);
        Assert.Equal(0, counter.Unprotected);

        Assert.Equal(ApiToken, loaded.Credentials["parameters"]["apiToken"]);
        Assert.Equal(ApiToken, loaded.Credentials["parameters"]["apiToken"]);
        Assert.Equal(1, counter.Unprotected);
    }

    /// <summary>The rule holds at every door that reaches a config: configs, revisions, webhooks, verification.</summary>
    [Theory]
    [InlineData("PATCH", "", """{"description":"x"}""")]
    [InlineData("DELETE", "", null)]
    [InlineData("POST", ":publish", null)]
    [InlineData("POST", ":rollback", """{"revisionId":"0197a6f0-0000-7000-8000-000000000000"}""")]
    [InlineData("POST", ":generateWebhookUrl", null)]
    [InlineData("POST", "/webhook:rotate", null)]
    [InlineData("POST", ":verifyAuth", null)]
    public async Task A_viewer_gets_404_for_another_tenants_or_a_missing_config_and_403_only_for_its_own(string method, string suffix, string? body)
    {
        var (integration, own, others) = await TwoTenantsAsync();
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        async Task<HttpResponseMessage> SendAsync(Guid config)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"{Base}/integrations/{integration}/configs/{config}{suffix}");
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            return await viewer.SendAsync(request);
        }

        var other = await (await SendAsync(others)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Config '{others}' was not found for integration '{integration}'.", other["detail"]!.GetValue<string>());
        var missing = Guid.NewGuid();
        await (await SendAsync(missing)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await SendAsync(own)).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    /// <summary>Counts decryptions through the app's own key ring, so it reads what the app wrote.</summary>
    private sealed class CountingProvider(IDataProtectionProvider inner) : IDataProtectionProvider
    {
        private int _unprotected;

        public int Unprotected => _unprotected;

        public IDataProtector CreateProtector(string purpose) => new Counting(this, inner.CreateProtector(purpose));

        private sealed class Counting(CountingProvider owner, IDataProtector inner) : IDataProtector
        {
            public IDataProtector CreateProtector(string purpose) => new Counting(owner, inner.CreateProtector(purpose));

            public byte[] Protect(byte[] plaintext) => inner.Protect(plaintext);

            public byte[] Unprotect(byte[] protectedData)
            {
                Interlocked.Increment(ref owner._unprotected);
                return inner.Unprotect(protectedData);
            }
        }
    }
}
